"""Reading nmap XML: what nmap writes, and what a hostile or broken file may contain."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.ports.nmapxml import parse_nmap_xml, read_nmap_xml
from posture.errors import InputError

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>
<!-- Nmap 7.93 scan initiated Sun Nov 22 08:34:40 2026 as: nmap -sS -sV -n -T4 -p 21,22 -oX - 127.0.0.21 -->
<nmaprun scanner="nmap" args="nmap -sS -sV -n -T4 -p 21,22 -oX - 127.0.0.21" start="1795336480" \
startstr="Sun Nov 22 08:34:40 2026" version="7.93" xmloutputversion="1.05">
<scaninfo type="syn" protocol="tcp" numservices="2" services="21-22"/>
<verbose level="0"/>
<debugging level="0"/>
<hosthint><status state="up" reason="unknown-response" reason_ttl="0"/>
<address addr="10.9.9.9" addrtype="ipv4"/>
<hostnames>
</hostnames>
</hosthint>
<taskprogress task="Service scan" time="1795336483" percent="50.00" remaining="4" etc="1795336486"/>
"""
HOST_21 = """<host starttime="1795336480" endtime="1795336490"><status state="up" reason="localhost-response" \
reason_ttl="0"/>
<address addr="127.0.0.21" addrtype="ipv4"/>
<address addr="00:11:22:33:44:55" addrtype="mac" vendor="Acme"/>
<hostnames>
<hostname name="ftp.lan" type="PTR"/>
</hostnames>
<ports><extraports state="closed" count="998"><extrareasons reason="reset" count="998" proto="tcp" ports="1-20"/>
</extraports>
<port protocol="tcp" portid="21"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="ftp" \
product="vsftpd" version="2.3.4" ostype="Unix" method="probed" conf="10"><cpe>cpe:/a:vsftpd:vsftpd:2.3.4</cpe>\
</service></port>
<port protocol="tcp" portid="22"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="ssh" \
product="OpenSSH" version="7.4p1 Debian 10+deb9u7" extrainfo="protocol 2.0" ostype="Linux" method="probed" \
conf="10"><cpe>cpe:/a:openbsd:openssh:7.4p1</cpe></service><script id="ssh-hostkey" output="2048 aa:bb"/></port>
<port protocol="tcp" portid="23"><state state="closed" reason="reset" reason_ttl="64"/><service name="telnet" \
method="table" conf="3"/></port>
<port protocol="udp" portid="161"><state state="open|filtered" reason="no-response" reason_ttl="0"/>\
<service name="snmp" method="table" conf="3"/></port>
</ports>
<times srtt="7" rttvar="1186" to="100000"/>
</host>
"""
HOST_V6 = """<host><status state="up" reason="echo-reply" reason_ttl="64"/>
<address addr="fd00:0:0:0::5" addrtype="ipv6"/>
<ports><port protocol="tcp" portid="443"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="http" \
product="nginx" tunnel="ssl" method="probed" conf="10"/></port></ports>
</host>
"""
HOST_DOWN = """<host><status state="down" reason="no-response" reason_ttl="0"/>
<address addr="127.0.0.29" addrtype="ipv4"/>
</host>
"""
HOST_TIMED_OUT = """<host starttime="1795336867" endtime="1795336873" timedout="true"><status state="up" \
reason="localhost-response" reason_ttl="0"/>
<address addr="127.0.0.24" addrtype="ipv4"/>
<hostnames>
</hostnames>
<times srtt="215" rttvar="5000" to="100000"/>
</host>
"""
FOOTER = """<runstats><finished time="1795336490" timestr="Sun Nov 22 08:34:50 2026" summary="Nmap done" \
elapsed="10.02" exit="success"/><hosts up="3" down="1" total="4"/>
</runstats>
</nmaprun>
"""


def document(*hosts: str, footer: str = FOOTER) -> str:
    return HEADER + "".join(hosts) + footer


def test_reads_what_nmap_writes() -> None:
    run = parse_nmap_xml(document(HOST_21, HOST_V6, HOST_DOWN, HOST_TIMED_OUT), source="scan.xml")
    assert run.version == "7.93" and run.scanner == "nmap" and run.exit == "success"
    assert run.args.startswith("nmap -sS -sV") and run.started is not None and run.started.year == 2026
    assert (run.up, run.down) == (3, 1)
    assert [h.address for h in run.hosts] == ["127.0.0.21", "fd00::5", "127.0.0.29", "127.0.0.24"]
    ftp_host, v6, down, timed_out = run.hosts
    assert ftp_host.state == "up" and ftp_host.hostnames == ("ftp.lan",)
    by_port = {(p.proto, p.port): p for p in ftp_host.ports}
    assert by_port[("tcp", 21)].product == "vsftpd" and by_port[("tcp", 21)].version == "2.3.4"
    assert by_port[("tcp", 22)].describe == "ssh (OpenSSH 7.4p1 Debian 10+deb9u7, protocol 2.0)"
    assert by_port[("tcp", 23)].state == "closed" and by_port[("tcp", 23)].method == "table"
    assert by_port[("udp", 161)].state == "open|filtered"
    assert v6.ports[0].tunnel == "ssl" and v6.ports[0].describe == "ssl/http (nginx)"
    assert down.state == "down" and not down.ports
    assert timed_out.timed_out and not timed_out.ports


def test_host_hints_are_not_hosts() -> None:
    run = parse_nmap_xml(document(), source="scan.xml")
    assert run.hosts == ()


def test_reads_a_file_and_names_it(tmp_path: Path) -> None:
    path = tmp_path / "scan.xml"
    path.write_text(document(HOST_21), encoding="utf-8")
    assert read_nmap_xml(path).source == "scan.xml"
    with pytest.raises(InputError, match="cannot read"):
        read_nmap_xml(tmp_path / "missing.xml")


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE nmaprun [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
]>
<nmaprun>&lol2;</nmaprun>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE nmaprun [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<nmaprun args="&secret;"></nmaprun>
"""
EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE nmaprun SYSTEM "http://127.0.0.1:9/nmap.dtd" [<!ENTITY x "y">]>
<nmaprun></nmaprun>
"""


@pytest.mark.parametrize(("text", "message"), [
    (BILLION_LAUGHS, "entities"),
    (EXTERNAL_ENTITY, "entities"),
    (EXTERNAL_DTD, "entities"),
])
def test_hostile_xml_is_refused_without_expanding_or_fetching(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as err:
        parse_nmap_xml(text, source="evil.xml", path="evidence/evil.xml")
    assert err.value.path == "evidence/evil.xml"


BROKEN = {
    "empty": ("", "empty", None),
    "not-xml": ("not xml at all", "not well-formed", "not xml"),
    "unclosed": (HEADER + HOST_21.replace("</ports>", ""), "not well-formed", "</host>"),
    "wrong-root": ("<?xml version='1.0'?>\n<scan/>", "root element is <scan>", "<scan/>"),
    "unfinished": (document(HOST_21, footer="</nmaprun>"), "never finished", None),
    "port-text": (document(HOST_21.replace('portid="21"', 'portid="21x"')), "not a port number", 'portid="21x"'),
    "port-range": (document(HOST_21.replace('portid="21"', 'portid="99999"')), "not a port number", "99999"),
    "protocol": (document(HOST_21.replace('"tcp" portid="21"', '"xyz" portid="21"')), "unknown protocol", '"xyz"'),
    "address": (document(HOST_21.replace('"127.0.0.21"', '"127.0.0.300"')), "not an IP address", "127.0.0.300"),
    "no-address": (document(HOST_DOWN.replace('<address addr="127.0.0.29" addrtype="ipv4"/>\n', "")),
                   "no IPv4 or IPv6", '<status state="down"'),
    "no-state": (document(HOST_21.replace('<state state="open" reason="syn-ack" reason_ttl="64"/><service name="ftp"',
                                          '<service name="ftp"')), "has no <state>", 'portid="21"'),
    "empty-state": (document(HOST_21.replace('<state state="open" reason="syn-ack"', '<state reason="syn-ack"', 1)),
                    "no 'state'", 'portid="21"'),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_files_are_located(case: str) -> None:
    text, message, marker = BROKEN[case]
    with pytest.raises(InputError, match=message) as err:
        parse_nmap_xml(text, source="scan.xml", path="evidence/scan.xml")
    assert err.value.path == "evidence/scan.xml"
    expected_line = text[:text.index(marker)].count("\n") + 1 if marker else None
    assert err.value.line == expected_line
    assert str(err.value).startswith("evidence/scan.xml")


def test_bad_encoding_declaration_is_an_input_error() -> None:
    with pytest.raises(InputError):
        parse_nmap_xml(b'<?xml version="1.0" encoding="bogus"?><nmaprun/>', source="x.xml")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_only_ever_raise_input_error(data: bytes) -> None:
    try:
        parse_nmap_xml(data, source="fuzz.xml")
    except InputError:
        pass


_PIECES = [HEADER, HOST_21, HOST_V6, HOST_DOWN, HOST_TIMED_OUT, FOOTER, "<host>", "</host>", "<port portid='1'>",
           "<ports>", "<state state='open'/>", "&amp;", "&x;", "<![CDATA[x]]>", "<!-- c -->", "\x00", "\ufffd"]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), max_size=8), st.integers(min_value=0, max_value=4000), st.text(max_size=8))
def test_spliced_and_cut_nmap_xml_only_ever_raises_input_error(pieces: list[str], cut: int, noise: str) -> None:
    text = "".join(pieces)
    text = text[:cut] + noise + text[cut:]
    try:
        parse_nmap_xml(text, source="fuzz.xml")
    except InputError:
        pass


# -- issue 13: what real nmap and masscan files look like

OLD_DOCTYPE = ('<?xml version="1.0"?>\n<!DOCTYPE nmaprun PUBLIC "-//IDN nmap.org//DTD Nmap XML 1.04//EN" '
               '"https://svn.nmap.org/nmap/docs/nmap.dtd">\n')
SMALL = ('<nmaprun scanner="nmap" args="nmap -sV 127.0.0.1" start="1795035912" version="6.40">\n'
         '<scaninfo type="syn" protocol="tcp" numservices="1" services="21"/>\n'
         '<host><status state="up" reason="echo-reply"/><address addr="127.0.0.1" addrtype="ipv4"/>\n'
         '<ports><extraports state="open|filtered" count="7"/>\n'
         '<port protocol="tcp" portid="21"><state state="open" reason="syn-ack"/>'
         '<service name="ftp" product="vsftpd" version="3.0.3" method="probed" conf="10"/>'
         '<script id="ftp-anon" output="Anonymous FTP login allowed (FTP code 230)"/></port></ports>\n'
         '<hostscript><script id="smb2-security-mode" output="Message signing enabled but not required"/></hostscript>'
         '</host>\n<runstats><finished time="1795035950" exit="success"/>'
         '<hosts up="1" down="0" total="1"/></runstats>\n'
         '</nmaprun>\n')


def test_the_doctype_nmap_4_to_6_wrote_is_accepted_and_line_numbers_stay_right() -> None:
    run = parse_nmap_xml(OLD_DOCTYPE + SMALL, source="old.xml")
    assert run.version == "6.40" and run.hosts[0].ports[0].port == 21
    broken = OLD_DOCTYPE + SMALL.replace('portid="21"', 'portid="x"')
    with pytest.raises(InputError) as err:
        parse_nmap_xml(broken, source="old.xml")
    assert err.value.line == 7


def test_scripts_extraports_and_scaninfo_are_read() -> None:
    run = parse_nmap_xml(SMALL, source="s.xml")
    host = run.hosts[0]
    assert host.ports[0].scripts == (("ftp-anon", "Anonymous FTP login allowed (FTP code 230)"),)
    assert host.ports[0].conf == 10
    assert host.scripts == (("smb2-security-mode", "Message signing enabled but not required"),)
    assert host.extraports == (("open|filtered", 7),)
    assert run.scaninfo == (("syn", "tcp", "21"),) and run.scanned_ports and run.tool == "nmap"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le-no-bom", "utf-8-sig"])
def test_utf16_and_bom_files_are_read(encoding: str) -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?>\n' + SMALL if encoding.startswith("utf-16") else SMALL
    data = text.encode("utf-16-le") if encoding == "utf-16-le-no-bom" else text.encode(encoding)
    run = parse_nmap_xml(data, source="ps.xml")
    assert run.hosts[0].ports[0].product == "vsftpd"


def test_masscan_hosts_without_status_are_up_and_labelled() -> None:
    text = ('<?xml version="1.0"?>\n<!-- masscan v1.0 scan -->\n<nmaprun scanner="masscan" start="1470387319" '
            'version="1.0-BETA" xmloutputversion="1.03">\n<scaninfo type="syn" protocol="tcp" />\n'
            '<host endtime="1470387319"><address addr="127.0.0.1" addrtype="ipv4"/><ports><port protocol="tcp" '
            'portid="514"><state state="open" reason="syn-ack" reason_ttl="62"/></port></ports></host>\n'
            '<runstats>\n<finished time="1470387330" elapsed="13" />\n<hosts up="1" down="0" total="1" />\n'
            '</runstats>\n</nmaprun>\n')
    run = parse_nmap_xml(text, source="m.xml")
    assert run.tool == "masscan" and run.hosts[0].state == "up"


def test_host_discovery_scans_say_they_scanned_no_ports() -> None:
    text = ('<nmaprun scanner="nmap" args="nmap -sn 127.0.0.1" start="1795035912" version="7.93">\n'
            '<host><status state="up" reason="localhost-response"/>'
            '<address addr="127.0.0.1" addrtype="ipv4"/></host>\n'
            '<runstats><finished time="1795035950" exit="success"/></runstats>\n</nmaprun>\n')
    assert not parse_nmap_xml(text, source="sn.xml").scanned_ports


@pytest.mark.parametrize("cut", [40, 200, len(SMALL) - 12, len(SMALL) - 3])
def test_a_file_cut_short_is_the_scan_that_never_finished(cut: int) -> None:
    with pytest.raises(InputError, match="the scan never finished"):
        parse_nmap_xml(SMALL[:cut], source="cut.xml")
