"""Adapter metadata: patterns, and one-line errors that name the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.metadata import MetadataError, load

BASE = ('framework = "F"\nframework_package = "f"\nserver = "S"\nserver_package = "s"\n'
        'command = "python app.py"\nsource = "app.py"\n')
KNOWN = {"websocket.echo-text", "websocket.close", "compression.gzip"}


def write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "adapter.toml").write_text(text)
    return folder


def test_gaps_and_extensions_match_by_pattern(tmp_path: Path) -> None:
    meta = load(write(tmp_path, BASE + '[extensions]\n"websocket.*" = "ext"\n'
                      '[gaps]\n"compression.gzip" = { reason = "r", link = "https://l" }\n'), KNOWN)
    assert meta.extension_for("websocket.close") == "ext" and meta.extension_for("compression.gzip") is None
    gap = meta.gap_for("compression.gzip")
    assert gap is not None and gap.link == "https://l"
    assert meta.gap_for("websocket.close") is None and meta.processes == 1


@pytest.mark.parametrize(("extra", "message"), [
    ("", None),
    ('colour = "blue"\n', "unknown key(s): colour"),
    ('[gaps]\n"compression.gzip" = { reason = "r" }\n', "needs a 'reason' and a 'link'"),
    ('[gaps]\n"compresion.*" = { reason = "r", link = "l" }\n', "'compresion.*' matches no check id"),
    ('processes = "two"\n', "'processes' must be a whole number"),
    ('gaps = "websocket.*"\n', "'gaps' must be a table of check id patterns"),
    ('[extensions]\n"websocket.*" = 3\n', "extension 'websocket.*' must name a package"),
])
def test_errors_name_the_file_and_the_key(tmp_path: Path, extra: str, message: str | None) -> None:
    folder = write(tmp_path, BASE + extra)
    if message is None:
        load(folder, KNOWN)
        return
    with pytest.raises(MetadataError) as e:
        load(folder, KNOWN)
    assert str(e.value).startswith(str(folder / "adapter.toml")) and message in str(e.value)


def test_missing_keys(tmp_path: Path) -> None:
    with pytest.raises(MetadataError, match="missing or empty key.*command"):
        load(write(tmp_path, BASE.replace('command = "python app.py"\n', "")))


def test_declared_in_pyproject_needs_no_names_and_refuses_a_command(tmp_path: Path) -> None:
    from conformance.metadata import load_declared

    pyproject = tmp_path / "pyproject.toml"
    assert load_declared(pyproject, KNOWN, must_exist=False) is None
    pyproject.write_text('[project]\nname = "x"\n')
    assert load_declared(pyproject, KNOWN, must_exist=False) is None
    pyproject.write_text('[tool.conformance.gaps]\n"websocket.*" = { reason = "r", link = "https://l" }\n')
    meta = load_declared(pyproject, KNOWN)
    assert meta is not None and meta.gap_for("websocket.close") is not None and meta.framework == ""
    pyproject.write_text('[tool.conformance]\ncommand = "python app.py"\n')
    with pytest.raises(MetadataError, match=r"pyproject.toml \[tool.conformance\]: key 'command'"):
        load_declared(pyproject, KNOWN)
