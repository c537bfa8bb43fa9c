"""The fast walk of nmap XML (xmlfast) against the full reader: it must take plain nmap output, and on
anything at all it must give the full reader's result or step aside (never a different one).

Each case is parsed twice through the public entry point: `fast=True` (the walk when it takes the file,
the full reader when it declines) and `fast=False` (the full reader only). Results and errors must be
the same, message, line and column included.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import checks.ports.nmapxml as nmapxml
from checks.ports.nmapxml import parse_nmap_xml, walks
from posture.errors import InputError
from tests.checks.ports.test_nmapxml import FOOTER, HEADER, HOST_21, HOST_DOWN, HOST_TIMED_OUT, HOST_V6, SMALL

REAL = Path(__file__).resolve().parents[2] / "data" / "real"
CUT_SHORT = ("libnmap-nmap5.51-cut-short.xml", "posture-nmap7.93-killed.xml")


def outcome(data: bytes | str, *, fast: bool) -> object:
    try:
        return parse_nmap_xml(data, source="scan.xml", path="evidence/scan.xml", fast=fast)
    except InputError as exc:
        return ("error", str(exc), exc.line, exc.column, exc.key)


def same_either_way(data: bytes | str) -> None:
    assert outcome(data, fast=True) == outcome(data, fast=False)


@pytest.mark.parametrize("path", sorted(p for p in REAL.glob("*-xml/*.xml")), ids=lambda p: p.name)
def test_every_real_sample_is_walked_and_read_the_same(path: Path) -> None:
    data = path.read_bytes()
    same_either_way(data)
    assert walks(data) == (path.name not in CUT_SHORT), "plain nmap output must take the fast walk"


@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])
def test_chunk_boundaries_anywhere_change_nothing(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (HEADER + HOST_21 + HOST_V6 + HOST_DOWN + HOST_TIMED_OUT + FOOTER).encode()
    whole = parse_nmap_xml(text, source="scan.xml")
    monkeypatch.setattr(nmapxml, "CHUNK", chunk)
    assert parse_nmap_xml(text, source="scan.xml") == whole == parse_nmap_xml(text, source="scan.xml", fast=False)


# Shapes the walk must either read exactly or leave to the full reader.
TRICKY = {
    "comment in a host": HOST_21.replace("<hostnames>", "<!-- </host><host><address addr='9.9.9.9' "
                                                        "addrtype='ipv4'/> --><hostnames>"),
    "cdata in a script": HOST_21.replace('output="2048 aa:bb"/>', 'output="x"><![CDATA[</port></host>]]></script>'),
    "nested same name": HOST_21.replace("<hostnames>", "<trace><trace><hop/></trace><status state='down'/></trace>"
                                                       "<hostnames>"),
    "processing instruction": HOST_21.replace("<hostnames>", "<?pi </host> ?><hostnames>"),
    "references in values": HOST_21.replace('name="ftp.lan"', 'name="ftp&amp;co&#x9;x&#10;y.lan"'),
    "white space in values": HOST_21.replace('name="ftp.lan"', 'name="ftp\tlan\r\nx"'),
    "quoted >": HOST_21.replace('name="ftp.lan"', "name='a>b' x=\"<>\"".replace("<", "")),
    "single quotes": HOST_21.replace('addr="127.0.0.21" addrtype="ipv4"', "addrtype='ipv4' addr='127.0.0.21'"),
    "spaces in tags": HOST_21.replace('<address addr="127.0.0.21" addrtype="ipv4"/>',
                                      '<address\n  addr = "127.0.0.21"\taddrtype="ipv4"  />').replace("</host>",
                                                                                                      "</host  >"),
    "empty host": "<host/>\n",
    "host without address": HOST_DOWN.replace('<address addr="127.0.0.29" addrtype="ipv4"/>', ""),
    "bad address": HOST_21.replace('"127.0.0.21"', '"127.0.0.021"'),
    "mapped v6": HOST_V6.replace("fd00:0:0:0::5", "::ffff:127.0.0.5"),
    "port without state": HOST_21.replace('<state state="closed" reason="reset" reason_ttl="64"/>', ""),
    "self-closing port": re.sub(r'<port protocol="tcp" portid="23">.*?</port>', '<port protocol="tcp" portid="23"/>',
                                HOST_21, flags=re.S),
    "two statuses": HOST_21.replace("<address ", '<status state="down" reason="x"/><address ', 1),
    "status with content": HOST_21.replace('reason_ttl="0"/>\n<address', 'reason_ttl="0"><x/></status>\n<address', 1),
    "host scripts": HOST_21.replace("<times ", '<hostscript><script id="smb2" output="a&#xa;b"><elem key="k">v'
                                               '</elem><table><elem>1</elem></table></script></hostscript><times '),
    "port in the wrong place": HOST_21.replace("<times ", '<port protocol="tcp" portid="9"><state state="open"/>'
                                                          '</port><times '),
    "masscan host": '<host endtime="1"><address addr="127.0.0.1" addrtype="ipv4"/><ports><port protocol="tcp" '
                    'portid="514"><state state="open" reason="syn-ack" reason_ttl="62"/></port></ports></host>\n',
    "host hint": '<hosthint><status state="up"/><address addr="10.0.0.9" addrtype="ipv4"/></hosthint>\n',
    "top-level comment": "<!-- a comment between hosts, with </host> in it -->\n",
    "unknown element with a host inside": "<extra><host><address addr='8.8.8.8' addrtype='ipv4'/></host></extra>\n",
    "timed out": HOST_TIMED_OUT.replace('timedout="true"', "timedout = 'true'"),
    "entity reference": HOST_21.replace('name="ftp.lan"', 'name="&lol;"'),
    "non-ascii name": HOST_21.replace("<times ", "<tïmes/><times "),
    "extraports": HOST_21.replace('count="998"', 'count="7"'),
}


@pytest.mark.parametrize("case", list(TRICKY))
def test_tricky_shapes_are_read_the_same_either_way(case: str) -> None:
    same_either_way(HEADER + HOST_21 + TRICKY[case] + HOST_V6 + FOOTER)
    same_either_way((HEADER + TRICKY[case] + FOOTER).replace("\n", "\r\n"))


@pytest.mark.parametrize("text", [
    HEADER + HOST_21 + FOOTER.replace("</runstats>", "<!-- Nmap done --></runstats>"),
    HEADER + HOST_21 + FOOTER.replace("</nmaprun>", "</nmaprun >\n<!-- trailer -->"),
    HEADER.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"') + HOST_21 + FOOTER,
    HEADER.replace("<!DOCTYPE nmaprun>", '<!DOCTYPE nmaprun [<!ATTLIST host timedout CDATA "true">]>') + HOST_21
    + FOOTER,
    HEADER + HOST_21 + FOOTER.replace("<runstats>", "<runstats><finished exit='error'/>"),
    HEADER + HOST_21,
    SMALL,
])
def test_whole_documents_are_read_the_same_either_way(text: str) -> None:
    same_either_way(text)


_PIECES = [HEADER, FOOTER, *TRICKY.values(), HOST_21, HOST_V6, HOST_DOWN, HOST_TIMED_OUT, "<host>", "</host>",
           "<ports>", "</ports>", "<port protocol='tcp' portid='1'>", "</port>", "<state state='open'/>",
           "<!-- c -->", "<![CDATA[<x>]]>", "&amp;", "\t", "\r\n", ">", "<?p?>", "</nmaprun>"]


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=10), st.integers(min_value=0, max_value=3000),
       st.sampled_from(["", "<", ">", "'", '"', "<!--", "-->", "/>", "</host>", "<host>", " ", "&#10;"]))
def test_spliced_documents_are_read_the_same_either_way(pieces: list[str], cut: int, noise: str) -> None:
    text = "".join(pieces)
    same_either_way(text[:cut] + noise + text[cut:])
    same_either_way(HEADER + "".join(pieces[1:]) + FOOTER)


_SNIPPETS = [b"<!-- x -->", b"<!-- </host> -->", b"<![CDATA[</port>]]>", b"<?p </host>?>", b"&amp;", b"&#10;", b"\t",
             b"\r\n", b">", b"<", b"'", b'"', b"</host>", b"<host>", b"<port>", b"</port>", b"<x/>", b"<ports>",
             b"</ports>", b"/", b"<status state='down'/>", b"<address addr='8.8.8.8' addrtype='ipv4'/>",
             b"<host><address addr='1.1.1.1' addrtype='ipv4'/></host>"]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(sorted(p.name for p in REAL.glob("nmap-xml/*.xml"))), st.data())
def test_real_samples_damaged_anywhere_are_read_the_same_either_way(name: str, data: st.DataObject) -> None:
    text = bytearray((REAL / "nmap-xml" / name).read_bytes())
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        at = data.draw(st.integers(min_value=0, max_value=len(text)))
        if data.draw(st.booleans()):
            del text[at:at + data.draw(st.integers(min_value=1, max_value=20))]
        else:
            text[at:at] = data.draw(st.sampled_from(_SNIPPETS))
    same_either_way(bytes(text))
