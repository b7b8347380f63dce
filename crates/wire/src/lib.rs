//! Pure codec for the DHCP side of Lync / Skype for Business provisioning.
#![forbid(unsafe_code)]
