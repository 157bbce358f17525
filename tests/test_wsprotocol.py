"""The hand-made frames of wsprotocol.* are the bytes they claim to be, and the judge's
reading of a Close reply follows RFC 6455 5.5.1 and 7.4."""

from __future__ import annotations

import struct

from conformance.checks.wsprotocol import (
    INVALID_CODES,
    VECTORS,
    carried_on,
    close_payload,
    frame,
    invalid_close_reply,
)
from conformance.wsframes import BINARY, CLOSE, PING, PONG, TEXT, Frame


def unmask(data: bytes) -> tuple[int, int, bytes]:
    """(first byte, declared length, unmasked payload) of one masked frame."""
    n = data[1] & 0x7F
    at = 2
    if n == 126:
        n, at = struct.unpack("!H", data[2:4])[0], 4
    elif n == 127:
        n, at = struct.unpack("!Q", data[2:10])[0], 10
    key, body = data[at:at + 4], data[at + 4:]
    return data[0], n, bytes(b ^ key[i % 4] for i, b in enumerate(body))


def test_a_masked_frame_round_trips() -> None:
    out = frame(TEXT, b"hello")
    assert out.data[1] & 0x80
    assert unmask(out.data) == (0x81, 5, b"hello")


def test_rsv_bits_fin_and_opcode_land_in_the_first_byte() -> None:
    assert frame(TEXT, b"x", rsv=0b100).data[0] == 0xC1
    assert frame(TEXT, b"x", rsv=0b010).data[0] == 0xA1
    assert frame(TEXT, b"x", rsv=0b001).data[0] == 0x91
    assert frame(PING, b"x", fin=False).data[0] == 0x09
    assert frame(0xB, b"x").data[0] == 0x8B
    assert "RSV2" in frame(TEXT, b"x", rsv=0b010).what


def test_an_unmasked_frame_carries_its_payload_in_clear() -> None:
    assert frame(TEXT, b"unmasked", masked=False).data == b"\x81\x08unmasked"


def test_a_declared_length_is_sent_without_the_payload_behind_it() -> None:
    out = frame(BINARY, b"0123", length=1 << 40)
    first, declared, body = unmask(out.data)
    assert (first, declared, body) == (0x82, 1 << 40, b"0123")
    assert len(out.data) == 2 + 8 + 4 + 4


def test_a_126_byte_ping_uses_the_16_bit_length() -> None:
    assert unmask(frame(PING, b"x" * 126).data)[1:] == (126, b"x" * 126)


def test_close_replies_an_endpoint_may_send() -> None:
    ok = [b"", close_payload(1000), close_payload(1002, b"protocol error"), close_payload(4000)]
    assert not any(invalid_close_reply(Frame(True, CLOSE, p)) for p in ok)


def test_close_replies_no_endpoint_may_send() -> None:
    bad = [b"\x03", close_payload(1000, b"bad \xff"),
           *(close_payload(c) for c in INVALID_CODES)]
    assert all(invalid_close_reply(Frame(True, CLOSE, p)) for p in bad)
    assert invalid_close_reply(Frame(True, TEXT, b"echo"))


def test_anything_but_a_close_is_carrying_on() -> None:
    assert carried_on(Frame(True, PONG, b"after"))
    assert not carried_on(Frame(True, CLOSE, close_payload(1002)))


def test_the_table_names_each_check_once() -> None:
    ids = [v.id for v in VECTORS]
    assert len(ids) == len(set(ids)) >= 10
