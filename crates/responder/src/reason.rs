//! Why the responder stayed silent. Each reason is a metric label and a log field.

/// Every way a datagram ends without a reply. Malformed packets are counted apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Arrived on an interface the config does not list.
    Interface,
    /// `op` is BOOTREPLY (another server's answer, or our own seen again).
    BootReply,
    /// `op` is neither BOOTREQUEST nor BOOTREPLY.
    BadOp,
    /// No option 53: a plain BOOTP request.
    NoMessageType,
    Discover,
    Request,
    Decline,
    Release,
    /// Any other option 53 value from a client (OFFER, ACK, NAK, unknown types).
    OtherMessageType,
    /// A Windows DHCP server probing for rogue servers: option 43 sub-option 0x5E, no 60.
    RogueDetection,
    /// No option 60.
    NoVendorClass,
    /// Option 60 names another vendor class.
    VendorClass,
    /// `ciaddr` 0, not relayed, and no usable source address: nowhere to send the answer.
    NoClientAddress,
    /// No site matches the client and there is no default site.
    NoSite,
    /// No server identifier configured and the arrival address is unknown.
    NoServerId,
}

impl Reason {
    pub const ALL: [Reason; 15] = [
        Reason::Interface,
        Reason::BootReply,
        Reason::BadOp,
        Reason::NoMessageType,
        Reason::Discover,
        Reason::Request,
        Reason::Decline,
        Reason::Release,
        Reason::OtherMessageType,
        Reason::RogueDetection,
        Reason::NoVendorClass,
        Reason::VendorClass,
        Reason::NoClientAddress,
        Reason::NoSite,
        Reason::NoServerId,
    ];

    /// Position in [`Reason::ALL`], for counter arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Interface => "interface",
            Reason::BootReply => "bootreply",
            Reason::BadOp => "bad_op",
            Reason::NoMessageType => "no_message_type",
            Reason::Discover => "discover",
            Reason::Request => "request",
            Reason::Decline => "decline",
            Reason::Release => "release",
            Reason::OtherMessageType => "other_message_type",
            Reason::RogueDetection => "rogue_detection",
            Reason::NoVendorClass => "no_vendor_class",
            Reason::VendorClass => "vendor_class",
            Reason::NoClientAddress => "no_client_address",
            Reason::NoSite => "no_site",
            Reason::NoServerId => "no_server_id",
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_each_reason_at_its_index_with_a_unique_label() {
        for (i, r) in Reason::ALL.iter().enumerate() {
            assert_eq!(r.index(), i);
        }
        let mut labels: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), Reason::ALL.len());
    }
}
