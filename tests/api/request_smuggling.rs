//! Ambiguous message framing (two lengths, an unknown transfer coding, a
//! signed length) is refused, so no second request can be smuggled inside
//! a body.

use crate::helpers::{raw_until_closed, spawn_app};

#[test]
fn ambiguous_framing_is_refused_and_nothing_is_smuggled() {
    let app = spawn_app();
    let attempts: [&[u8]; 4] = [
        b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/user/ HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\nGET /api/user/ HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\n{}{}{GET /api/user/ HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Length: +2\r\n\r\n{}GET /api/user/ HTTP/1.1\r\nHost: x\r\n\r\n",
    ];
    for request in attempts {
        let answer = raw_until_closed(&app, request);
        assert!(
            !answer.contains("Authentication credentials were not provided"),
            "a smuggled request was answered: {answer}"
        );
        assert!(
            !answer.contains("HTTP/1.1 2"),
            "an ambiguous request was served: {answer}"
        );
    }
    app.assert_alive();
}
