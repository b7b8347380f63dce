//! The kit itself: a datagram crosses a veth link between two namespaces the test made.

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use ucprov_testkit::{exchange, VethLink};

#[test]
#[ignore = "privileged: needs root and iproute2; run by scripts/test-all"]
fn datagram_crosses_the_veth_link_and_namespaces_are_isolated() {
    let link = VethLink::new();
    let server: SocketAddr = (link.server_ip, 9067).into();
    let echo = link.server.run(|| UdpSocket::bind(server).unwrap());
    let handle = std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        echo.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let (n, from) = echo.recv_from(&mut buf).unwrap();
        echo.send_to(&buf[..n], from).unwrap();
    });
    let replies = link.client.run(|| {
        exchange(
            (link.client_ip, 9068).into(),
            server,
            b"ping",
            Duration::from_secs(2),
        )
    });
    handle.join().unwrap();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].bytes, b"ping");
    assert_eq!(replies[0].from, server);
    // The server address does not exist outside the namespaces.
    assert!(UdpSocket::bind(server).is_err());
}
