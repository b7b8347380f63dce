//! Any text as `serve`'s TOML configuration: no panic, and a configuration that loads
//! also builds a policy or says why not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ucprov_responder::config::Config;
use ucprov_responder::policy::Policy;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = Config::from_toml(text) else {
        return;
    };
    let _ = Policy::new(config, |name| (name == "eth0").then_some(2));
});
