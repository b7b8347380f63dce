//! Cisco IOS and IOS-XE DHCP pools (docs/dhcp-servers.md §3.7). IOS pools cannot match option 60,
//! so the options go into a dedicated voice pool; IOS-XE's `option ext` takes the long values
//! that IOS 15.1(3)S+ would silently truncate.

use super::switches::{voice_pool, VoicePool};
use crate::render::{Ctx, Doc};

pub fn render_ios(ctx: &Ctx, doc: &mut Doc) {
    pool(ctx, doc, " option");
}

pub fn render_ios_xe(ctx: &Ctx, doc: &mut Doc) {
    pool(ctx, doc, " option ext");
}

fn pool(ctx: &Ctx, doc: &mut Doc, option: &str) {
    let scopes = ctx.scopes(doc);
    for (scope, name) in scopes.iter().zip(ctx.pool_names(scopes.len())) {
        voice_pool(
            ctx,
            doc,
            VoicePool {
                open: format!("ip dhcp pool {name}"),
            why: "a pool for the voice VLAN only: IOS sends these options to every client of the pool",
            lines: vec![
                (
                    format!(" network {} {}", scope.network, scope.netmask()),
                    "the phones' subnet",
                ),
                (
                    format!(" default-router {}", scope.first_host()),
                    "the voice VLAN's gateway: change it if it is not the first address",
                ),
            ],
            option,
            close: None,
        },
    );
    }
}
