//! The parser against hand-built frontend messages, split in every way, and the proxy between
//! a client and a loopback server that records what it receives.

use super::*;

fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn startup(code: u32, body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as u32 + 8).to_be_bytes().to_vec();
    out.extend_from_slice(&code.to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// An SSL request, a startup message, then one simple query and one extended-protocol
/// statement (Parse, Bind, Describe, Execute, Sync) and a second Execute of it.
fn conversation() -> Vec<u8> {
    let mut bytes = startup(80877103, b"");
    bytes.extend(startup(196608, b"user\0app\0database\0x\0\0"));
    bytes.extend(message(b'Q', b"BEGIN; SELECT 1\0"));
    bytes.extend(message(b'P', b"s1\0SELECT $1\0\0\0"));
    bytes.extend(message(b'B', b"\0s1\0\0\0\0\0\0\0"));
    bytes.extend(message(b'D', b"P\0"));
    bytes.extend(message(b'E', b"\0\0\0\0\0"));
    bytes.extend(message(b'S', b""));
    bytes.extend(message(b'B', b"\0s1\0\0\0\0\0\0\0"));
    bytes.extend(message(b'E', b"\0\0\0\0\0"));
    bytes.extend(message(b'S', b""));
    bytes
}

const EXPECTED: Counts = Counts {
    statements: 3,
    round_trips: 3,
    parses: 1,
};

#[test]
fn messages_are_counted_however_the_bytes_are_split() {
    let bytes = conversation();
    for chunk in [1, 2, 3, 5, 7, 64, bytes.len()] {
        let count = WireCount::default();
        let mut parser = FrontendParser::default();
        for piece in bytes.chunks(chunk) {
            parser.feed(piece, &count);
        }
        assert_eq!(count.snapshot(), EXPECTED, "chunks of {chunk} bytes");
    }
}

#[test]
fn a_query_text_holding_message_letters_is_not_counted_twice() {
    let count = WireCount::default();
    let mut parser = FrontendParser::default();
    parser.feed(&startup(196608, b"user\0app\0\0"), &count);
    // The body is full of 'Q', 'E' and 'S' bytes: only the header's type counts.
    parser.feed(&message(b'Q', b"SELECT 'QQQEEESSSPPP'\0"), &count);
    assert_eq!(
        count.snapshot(),
        Counts {
            statements: 1,
            round_trips: 1,
            parses: 0
        }
    );
}

#[tokio::test]
async fn the_proxy_forwards_every_byte_both_ways_and_counts_before_the_server_answers() {
    use tokio::net::TcpListener;
    let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = server.local_addr().unwrap().port();
    let bytes = conversation();
    let expected_len = bytes.len();
    // The server reads the whole conversation, then answers a fixed reply.
    let received = tokio::spawn(async move {
        let (mut stream, _) = server.accept().await.unwrap();
        let mut got = vec![0u8; expected_len];
        stream.read_exact(&mut got).await.unwrap();
        stream.write_all(b"Z\0\0\0\x05I").await.unwrap();
        got
    });
    let dir = std::env::temp_dir().join(format!("pg-wire-count-test-{}", std::process::id()));
    let proxy = Proxy::start(&dir, 5999, Upstream::of("127.0.0.1", None, port)).unwrap();
    let mut client = UnixStream::connect(dir.join(".s.PGSQL.5999")).await.unwrap();
    for piece in bytes.chunks(3) {
        client.write_all(piece).await.unwrap();
    }
    let mut answer = [0u8; 6];
    client.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"Z\0\0\0\x05I");
    assert_eq!(received.await.unwrap(), bytes);
    assert_eq!(proxy.count().snapshot(), EXPECTED);
    assert_eq!(proxy.dir(), dir);
    drop(proxy);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn upstreams_follow_the_client_conventions() {
    assert!(
        matches!(Upstream::of("/run/pg", None, 5432), Upstream::Unix(p) if p == Path::new("/run/pg/.s.PGSQL.5432"))
    );
    assert!(
        matches!(Upstream::of("localhost", Some(Path::new("/s")), 6000), Upstream::Unix(p) if p == Path::new("/s/.s.PGSQL.6000"))
    );
    assert!(matches!(Upstream::of("127.0.0.1", None, 5432), Upstream::Tcp(h, 5432) if h == "127.0.0.1"));
}
