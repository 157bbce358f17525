"""The specification sentences the checks rest on, quoted verbatim.

Every check cites one of these by key, so a failing verdict always carries
the sentence that makes it a failure. Quotes are kept here, once, as data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Spec:
    source: str
    section: str
    url: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"source": self.source, "section": self.section, "url": self.url, "text": self.text}


def _rfc(number: int, section: str, text: str) -> Spec:
    return Spec(
        f"RFC {number}",
        section,
        f"https://www.rfc-editor.org/rfc/rfc{number}#section-{section}",
        " ".join(text.split()),
    )


_CONTRACT = "shared/CONTRACT.md"  # the normative contract, beside this repository
_SSE = "https://html.spec.whatwg.org/multipage/server-sent-events.html"

SPECS: dict[str, Spec] = {
    "contract.E1": Spec("Adapter contract", "E1", _CONTRACT, "GET / -> 200, body exactly Hello World!"),
    "contract.E2": Spec(
        "Adapter contract", "E2", _CONTRACT,
        'POST /api -> 200, Content-Type: application/json, body the JSON object {"language": L} '
        "where L is the request's Accept-Language value, or \"\" when absent",
    ),
    "contract.E4": Spec(
        "Adapter contract", "E4", _CONTRACT,
        "GET /hello/{name} -> 200, body Hello {name}!, where name is the percent-decoded path "
        "segment read as UTF-8",
    ),
    "contract.E5": Spec(
        "Adapter contract", "E5", _CONTRACT,
        "body is chunk 0\\n ... chunk N-1\\n; the handler waits D ms before each chunk after the "
        "first and sends each chunk to the client as soon as it is produced",
    ),
    "contract.E8": Spec(
        "Adapter contract", "E8", _CONTRACT,
        "long poll: held open until a message is published on {channel}, then 200 with the "
        "message as body; 204 with no body when T ms pass first",
    ),
    "contract.E9": Spec(
        "Adapter contract", "E9", _CONTRACT,
        "delivers the request body to every request waiting on /poll/{channel} at that moment; "
        '200 with JSON {"delivered": k}',
    ),
    "contract.E10": Spec(
        "Adapter contract", "E10", _CONTRACT,
        "waits D ms without stopping the server from serving other requests, then 200 with body "
        "slept {D}",
    ),
    "contract.E11": Spec(
        "Adapter contract", "E11", _CONTRACT,
        "requests GET {CONFORMANCE_UPSTREAM}/item/{i} for i = 0..N-1, all at once rather than one "
        'after another, and answers 200 with JSON {"items": [r0, ..., rN-1]}',
    ),
    "contract.E12": Spec(
        "Adapter contract", "E12", _CONTRACT,
        "a deterministic text body of at least 1 MiB, compressible; the application enables the "
        "framework's response compression the way its docs teach, if it has one",
    ),
    "contract.E13": Spec(
        "Adapter contract", "E13", _CONTRACT,
        "body exactly the request body, whether it came with Content-Length or with chunked "
        "transfer coding, up to 8 MiB",
    ),
    "rfc9110.405": _rfc(9110, "9.1", """An origin server that receives a request method that is
        recognized and implemented, but not allowed for the target resource, SHOULD respond with
        the 405 (Method Not Allowed) status code."""),
    "rfc9110.allow": _rfc(9110, "15.5.6", """The origin server MUST generate an Allow header
        field in a 405 response containing a list of the target resource's currently supported
        methods."""),
    "rfc9110.head": _rfc(9110, "9.3.2", """The HEAD method is identical to GET except that the
        server MUST NOT send content in the response. HEAD is used to obtain metadata about the
        selected representation without transferring its representation data, often for the
        sake of testing hypertext links or finding recent modifications."""),
    "rfc9110.get-head": _rfc(9110, "9.1", """All general-purpose servers MUST support the
        methods GET and HEAD. All other methods are OPTIONAL."""),
    "rfc9110.404": _rfc(9110, "15.5.5", """The 404 (Not Found) status code indicates that the
        origin server did not find a current representation for the target resource or is not
        willing to disclose that one exists."""),
    "rfc9110.options": _rfc(9110, "9.3.7", """A server generating a successful response to
        OPTIONS SHOULD send any header that might indicate optional features implemented by the
        server and applicable to the target resource (e.g., Allow), including potential
        extensions not defined by this specification."""),
    "rfc9112.chunked": _rfc(9112, "7", """The chunked transfer coding wraps content in order to
        transfer it as a series of chunks, each with its own size indicator, followed by an
        OPTIONAL trailer section containing trailer fields. Chunked enables content streams of
        unknown size to be transferred as a sequence of length-delimited buffers, which enables
        the sender to retain connection persistence and the recipient to know when it has
        received the entire message."""),
    "rfc9112.te-http10": _rfc(9112, "6.1", """A server MUST NOT send a response containing
        Transfer-Encoding unless the corresponding request indicates HTTP/1.1 (or later minor
        revisions)."""),
    "rfc9112.parse-chunked": _rfc(9112, "7.1", """A recipient MUST be able to parse and decode
        the chunked transfer coding."""),
    "rfc9110.expect": _rfc(9110, "10.1.1", """An origin server MUST, upon receiving an HTTP/1.1
        (or later) request-line and a complete header section that contains a 100-continue
        expectation and indicates a request message content will follow, either send an
        immediate response with a final status code, if that status can be determined by
        examining just the request-line and header fields, or send an immediate 100 (Continue)
        response to encourage the client to send the request content."""),
    "rfc9112.host": _rfc(9112, "3.2", """A server MUST respond with a 400 (Bad Request) status
        code to any HTTP/1.1 request message that lacks a Host header field and to any request
        message that contains more than one Host header field line or a Host header field with
        an invalid field value."""),
    "rfc9112.colon": _rfc(9112, "5.1", """A server MUST reject, with a response status code of
        400 (Bad Request), any received request message that contains whitespace between a
        header field name and colon."""),
    "rfc9112.request-line": _rfc(9112, "3", """Recipients of an invalid request-line SHOULD
        respond with either a 400 (Bad Request) error or a 301 (Moved Permanently) redirect with
        the request-target properly encoded."""),
    "rfc9110.vary": _rfc(9110, "12.5.5", """An origin server SHOULD send a Vary header field
        when its algorithm for selecting a representation varies based on aspects of the request
        message other than the method and target URI, unless the variance cannot be crossed or
        the origin server has been deliberately configured to prevent cache transparency."""),
    "rfc9110.accept-encoding": _rfc(9110, "12.5.3", """If the representation's content coding
        is one of the content codings listed in the Accept-Encoding field value, then it is
        acceptable unless it is accompanied by a qvalue of 0. (As defined in Section 12.4.2, a
        qvalue of 0 means "not acceptable".) ... If a non-empty Accept-Encoding header field is
        present in a request and none of the available representations for the response have a
        content coding that is listed as acceptable, the origin server SHOULD send a response
        without any content coding unless the identity coding is indicated as
        unacceptable."""),
    "rfc9110.content-coding": _rfc(9110, "8.4.1", """Content coding values indicate an encoding
        transformation that has been or can be applied to a representation. Content codings are
        primarily used to allow a representation to be compressed or otherwise usefully
        transformed without losing the identity of its underlying media type and without loss of
        information."""),
    "sse.mime": Spec("HTML Living Standard", "9.2.5", _SSE + "#parsing-an-event-stream",
                     "This event stream format's MIME type is text/event-stream."),
    "sse.dispatch": Spec("HTML Living Standard", "9.2.6", _SSE + "#event-stream-interpretation",
                         "If the line is empty (a blank line): Dispatch the event, as defined "
                         "below."),
    "sse.last-event-id": Spec(
        "HTML Living Standard", "9.2.4", _SSE + "#the-last-event-id-header",
        "The Last-Event-ID HTTP request header reports an EventSource object's last event ID "
        "string to the server when the user agent is to reestablish the connection.",
    ),
    "sse.push": Spec(
        "HTML Living Standard", "9.2.1", _SSE + "#server-sent-events-intro",
        "To enable servers to push data to web pages over HTTP or using dedicated server-push "
        "protocols, this specification introduces the EventSource interface.",
    ),
    "contract.E6": Spec(
        "Adapter contract", "E6", _CONTRACT,
        "Server-Sent Events: 200, Content-Type: text/event-stream; events id: {i}\\ndata: event "
        "{i}\\n\\n for i from 0 (or from k+1 when the request carries Last-Event-ID: k) up to "
        "N-1, D ms apart, each flushed as produced",
    ),
    "rfc6455.handshake": _rfc(6455, "4.2.2", """If the server chooses to accept the incoming
        connection, it MUST reply with a valid HTTP response ... A Status-Line with a 101
        response code ... A |Sec-WebSocket-Accept| header field. The value of this header field
        is constructed by concatenating /key/ ... with the string
        "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", taking the SHA-1 hash of this concatenated
        value to obtain a 20-byte value and base64-encoding"""),
    "rfc6455.data": _rfc(6455, "6.2", """When a data frame is received ... If the frame
        comprises an unfragmented message, it is said that _A WebSocket Message Has Been
        Received_ with type /type/ and data /data/."""),
    "rfc6455.fragments": _rfc(6455, "5.4", """Message fragments MUST be delivered to the
        recipient in the order sent by the sender. ... An endpoint MUST be capable of handling
        control frames in the middle of a fragmented message."""),
    "rfc6455.pong": _rfc(6455, "5.5.2", """Upon receipt of a Ping frame, an endpoint MUST send a
        Pong frame in response, unless it already received a Close frame. ... A Pong frame sent
        in response to a Ping frame must have identical "Application data" as found in the
        message body of the Ping frame being replied to."""),
    "rfc6455.close": _rfc(6455, "5.5.1", """The application MUST NOT send any more data frames
        after sending a Close frame. If an endpoint receives a Close frame and did not previously
        send a Close frame, the endpoint MUST send a Close frame in response. (When sending a
        Close frame in response, the endpoint typically echos the status code it received.)"""),
    "rfc6455.utf8": _rfc(6455, "8.1", """When an endpoint is to interpret a byte stream as
        UTF-8 but finds that the byte stream is not, in fact, a valid UTF-8 stream, that
        endpoint MUST _Fail the WebSocket Connection_."""),
    "rfc6455.1007": _rfc(6455, "7.4.1", """1007 indicates that an endpoint is terminating the
        connection because it has received data within a message that was not consistent with
        the type of the message (e.g., non-UTF-8 [RFC3629] data within a text message)."""),
    "rfc6455.bad-handshake": _rfc(6455, "4.2.1", """If the server, while reading the handshake,
        finds that the client did not send a handshake that matches the description below ...,
        the server MUST stop processing the client's handshake and return an HTTP response with
        an appropriate error code (such as 400 Bad Request)."""),
    "rfc7692.negotiation": _rfc(7692, "5", """To offer use of the permessage-deflate extension,
        a client MUST include the "permessage-deflate" extension in the
        Sec-WebSocket-Extensions header field of its opening handshake."""),

    # framing and malformed (issue 9)
    "rfc9112.cl-te": _rfc(9112, "6.1", """A server MAY reject a request that contains both
        Content-Length and Transfer-Encoding or process such a request in accordance with the
        Transfer-Encoding alone. Regardless, the server MUST close the connection after
        responding to such a request to avoid the potential attacks."""),
    "rfc9112.cl-invalid": _rfc(9112, "6.3", """If a message is received without
        Transfer-Encoding and with an invalid Content-Length header field, then the message
        framing is invalid and the recipient MUST treat it as an unrecoverable error, unless the
        field value can be successfully parsed as a comma-separated list (Section 5.6.1 of
        [HTTP]), all values in the list are valid, and all values in the list are the same (in
        which case, the message is processed with that single value used as the Content-Length
        field value). If the unrecoverable error is in a request message, the server MUST
        respond with a 400 (Bad Request) status code and then close the connection."""),
    "rfc9112.te-in-http10": _rfc(9112, "6.1", """A server or client that receives an HTTP/1.0
        message containing a Transfer-Encoding header field MUST treat the message as if the
        framing is faulty, even if a Content-Length is present, and close the connection after
        processing the message."""),
    "rfc9112.te-not-final": _rfc(9112, "6.3", """If a Transfer-Encoding header field is
        present in a request and the chunked transfer coding is not the final encoding, the
        message body length cannot be determined reliably; the server MUST respond with the 400
        (Bad Request) status code and then close the connection."""),
    "rfc9112.te-unknown": _rfc(9112, "6.1", """A server that receives a request message with a
        transfer coding it does not understand SHOULD respond with 501 (Not Implemented)."""),
    "rfc9112.te-case": _rfc(9112, "7", """All transfer-coding names are case-insensitive and
        ought to be registered within the HTTP Transfer Coding registry, as defined in Section
        7.3. ... A recipient MUST be able to parse and decode the chunked transfer coding."""),
    "rfc9112.te-ows": _rfc(9112, "5.1", """The field line value does not include that leading
        or trailing whitespace: OWS occurring before the first non-whitespace octet of the field
        line value, or after the last non-whitespace octet of the field line value, is excluded
        by parsers when extracting the field line value from a field line. ... A recipient MUST
        be able to parse and decode the chunked transfer coding."""),
    "rfc9112.grammar": _rfc(9112, "2.2", """When a server listening only for HTTP request
        messages, or processing what appears from the start-line to be an HTTP request message,
        receives a sequence of octets that does not match the HTTP-message grammar aside from
        the robustness exceptions listed above, the server SHOULD respond with a 400 (Bad
        Request) response and close the connection."""),
    "rfc9112.chunk-overflow": _rfc(9112, "7.1", """Therefore, recipients MUST anticipate
        potentially large hexadecimal numerals and prevent parsing errors due to integer
        conversion overflows or precision loss due to integer representation."""),
    "rfc9112.chunk-ext": _rfc(9112, "7.1.1", """A recipient MUST ignore unrecognized chunk
        extensions."""),
    "rfc9112.bare-lf": _rfc(9112, "2.2", """Although the line terminator for the start-line
        and fields is the sequence CRLF, a recipient MAY recognize a single LF as a line
        terminator and ignore any preceding CR."""),
    "rfc9112.bare-cr": _rfc(9112, "2.2", """A sender MUST NOT generate a bare CR (a CR
        character not immediately followed by LF) within any protocol elements other than the
        content. A recipient of such a bare CR MUST consider that element to be invalid or
        replace each bare CR with SP before processing the element or forwarding the
        message."""),
    "rfc9110.field-ctl": _rfc(9110, "5.5", """Field values containing CR, LF, or NUL
        characters are invalid and dangerous, due to the varying ways that implementations might
        parse and interpret those characters; a recipient of CR, LF, or NUL within a field value
        MUST either reject the message or replace each of those characters with SP before
        further processing or forwarding of that message."""),
    "rfc9112.obs-fold": _rfc(9112, "5.2", """A server that receives an obs-fold in a request
        message that is not within a "message/http" container MUST either reject the message by
        sending a 400 (Bad Request), preferably with a representation explaining that obsolete
        line folding is unacceptable, or replace each received obs-fold with one or more SP
        octets prior to interpreting the field value or forwarding the message downstream."""),
    "rfc9110.minor-version": _rfc(9110, "6.2", """A recipient that receives a message with a
        major version number that it implements and a minor version number higher than what it
        implements SHOULD process the message as if it were in the highest minor version within
        that major version to which the recipient is conformant."""),
    "rfc9110.505": _rfc(9110, "6.2", """A server can send a 505 (HTTP Version Not Supported)
        response if it wishes, for any reason, to refuse service of the client's major protocol
        version."""),
    "rfc6585.431": _rfc(6585, "5", """The 431 status code indicates that the server is
        unwilling to process the request because its header fields are too large. The request
        MAY be resubmitted after reducing the size of the request header fields."""),
    "rfc9112.414": _rfc(9112, "3", """A server that receives a request-target longer than any
        URI it wishes to parse MUST respond with a 414 (URI Too Long) status code (see Section
        15.5.15 of [HTTP])."""),
    # wsprotocol and slowclient (issue 9)
    "rfc6455.unmasked": _rfc(6455, "5.1", """The server MUST close the connection upon receiving a
        frame that is not masked. In this case, a server MAY send a Close frame with a status code
        of 1002 (protocol error) as defined in Section 7.4.1."""),
    "rfc6455.rsv": _rfc(6455, "5.2", """RSV1, RSV2, RSV3: 1 bit each ... MUST be 0 unless an
        extension is negotiated that defines meanings for non-zero values. If a nonzero value is
        received and none of the negotiated extensions defines the meaning of such a nonzero
        value, the receiving endpoint MUST _Fail the WebSocket Connection_."""),
    "rfc6455.opcode": _rfc(6455, "5.2", """If an unknown opcode is received, the receiving
        endpoint MUST _Fail the WebSocket Connection_. ... %x3-7 are reserved for further
        non-control frames ... %xB-F are reserved for further control frames"""),
    "rfc6455.control": _rfc(6455, "5.5", """All control frames MUST have a payload length of 125
        bytes or less and MUST NOT be fragmented."""),
    "rfc6455.fragment-type": _rfc(6455, "5.4", """An unfragmented message consists of a single
        frame with the FIN bit set (Section 5.2) and an opcode other than 0. ... As a consequence
        of these rules, all fragments of a message are of the same type, as set by the first
        fragment's opcode. Since control frames cannot be fragmented, the type for all fragments
        in a message MUST be either text, binary, or one of the reserved opcodes."""),
    "rfc6455.interleave": _rfc(6455, "5.4", """The fragments of one message MUST NOT be
        interleaved between the fragments of another message unless an extension has been
        negotiated that can interpret the interleaving."""),
    "rfc6455.close-code": _rfc(6455, "5.5.1", """If there is a body, the first two bytes of the
        body MUST be a 2-byte unsigned integer (in network byte order) representing a status code
        with value /code/ defined in Section 7.4."""),
    "rfc6455.reserved-codes": _rfc(6455, "7.4.1", """1005 is a reserved value and MUST NOT be set
        as a status code in a Close control frame by an endpoint. ... 1006 is a reserved value
        and MUST NOT be set as a status code in a Close control frame by an endpoint. ... 1015
        is a reserved value and MUST NOT be set as a status code in a Close control frame by an
        endpoint."""),
    "rfc6455.1009": _rfc(6455, "7.4.1", """1009 indicates that an endpoint is terminating the
        connection because it has received a message that is too big for it to process."""),
    "rfc6455.fail-connection": _rfc(6455, "7.1.7", """Similarly, to do so, the server MUST _Close
        the WebSocket Connection_, and SHOULD log the problem. If _The WebSocket Connection is
        Established_ prior to the point where the endpoint is required to _Fail the WebSocket
        Connection_, the endpoint SHOULD send a Close frame with an appropriate status code
        (Section 7.4) before proceeding to _Close the WebSocket Connection_."""),
    "rfc6455.control-mid-message": _rfc(6455, "5.4", """An endpoint MUST be capable of handling
        control frames in the middle of a fragmented message. ... NOTE: If control frames could
        not be interjected, the latency of a ping, for example, would be very long if behind a
        large message. Hence, the requirement of handling control frames in the middle of a
        fragmented message."""),
    "suite.slow-client": Spec(
        "Suite robustness expectation (no RFC sentence)", "issue 9", "docs/checks.md#slowclient",
        "A client that sends its request head slowly, or opens a connection and sends nothing, "
        "does not stop the server from answering other clients. No RFC requires a server to "
        "serve connections concurrently; a server that reads one connection at a time lets a "
        "single idle or slow client deny service to everyone (slowloris). The adapter "
        "contract asks the same of a handler's wait (E10).",
    ),
    "rfc9112.idle-timeout": _rfc(9112, "9.5", """Servers will usually have some timeout value
        beyond which they will no longer maintain an inactive connection. ... The use of
        persistent connections places no requirements on the length (or existence) of this
        timeout for either the client or the server. ... A client, server, or proxy MAY close
        the transport connection at any time."""),
    # -- sharper checks (issue 8): the sentences these checks rest on, keyword and all --
    "contract.E7": Spec(
        "Adapter contract", "E7", _CONTRACT,
        "echoes every text and binary message back unchanged with the same opcode, messages up "
        "to 1 MiB, fragmented messages reassembled; answers pings with pongs; completes the "
        "closing handshake echoing the client's close code",
    ),
    "rfc6455.http-compatible": _rfc(6455, "1.3", """The opening handshake is intended to be
        compatible with HTTP-based server-side software and intermediaries, so that a single
        port can be used by both HTTP clients talking to that server and WebSocket clients
        talking to that server."""),
    "rfc6455.extensions": _rfc(6455, "9", """WebSocket clients MAY request extensions to this
        specification, and WebSocket servers MAY accept some or all extensions requested by the
        client."""),
    "rfc3986.reserved": _rfc(3986, "2.2", """URIs that differ in the replacement of a reserved
        character with its corresponding percent-encoded octet are not equivalent.
        Percent-encoding a reserved character, or decoding a percent-encoded octet that
        corresponds to a reserved character, will change how the URI is interpreted by most
        applications."""),
    # connection, disconnect, compression.stream, longpoll state (issue 8)
    "contract.E8-ends": Spec(
        "Adapter contract", "E8 (1.1)", _CONTRACT,
        "A poll stops waiting when its request ends for any reason (answered, timed out, or "
        "cancelled because its client went away, as far as the framework tells the handler): "
        "the handler removes itself from the channel the framework's usual way (finally, a "
        "cancellation or close callback)",
    ),
    "contract.compression-streams": Spec(
        "Adapter contract", "E5, E6 and Compression (1.1)", _CONTRACT,
        "sends each chunk to the client as soon as it is produced ... each flushed as produced "
        "... Compression (1.1): where the framework's compression is switched on for the whole "
        "application (a middleware, an app-wide setting), it stays on for every endpoint, E5 "
        "and E6 included, as a user's application would have it; where the framework switches "
        "compression on per response, the adapter does so for E5 and E6 in the same way as for "
        "E12.",
    ),
    "behaviour.cancel-upstream": Spec(
        "Behaviour (no spec sentence)", "issue 8", _CONTRACT,
        "No RFC or contract sentence asks a server to cancel the work it does for a client that "
        "has gone away: E11 says only that the handler requests the upstream items all at once. "
        "Shown as information: whether the upstream sees its connections dropped before it "
        "answered.",
    ),
    "rfc9112.persistence": _rfc(9112, "9.3", """HTTP/1.1 defaults to the use of "persistent
        connections", allowing multiple requests and responses to be carried over a single
        connection. HTTP implementations SHOULD support persistent connections."""),
    "rfc9112.pipelining": _rfc(9112, "9.3.2", """A server MAY process a sequence of pipelined
        requests in parallel if they all have safe methods (Section 9.2.1 of [HTTP]), but it
        MUST send the corresponding responses in the same order that the requests were
        received."""),
    "rfc9112.http10-close": _rfc(9112, "9.3", """If the received protocol is HTTP/1.0, the
        "keep-alive" connection option is present, either the recipient is not a proxy or the
        message is a response, and the recipient wishes to honor the HTTP/1.0 "keep-alive"
        mechanism, the connection will persist after the current response; otherwise, The
        connection will close after the current response."""),
}
