"""The offsite decision: from the repository string, and from the mount table, separately."""

from __future__ import annotations

import pytest

from checks.backups.offsite import (
    decide,
    local_path,
    mask_password,
    mount_of,
    parse_mounts,
    remote_host,
    url_password,
)

MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
proc /proc proc rw,nosuid 0 0
nas.office.lan:/volume1/backup /mnt/nas nfs4 rw,vers=4.1 0 0
//fileshare/backups /mnt/smb\\040share cifs rw,vers=3.0 0 0
backup@vault:/srv /mnt/vault fuse.sshfs rw 0 0
b2remote: /mnt/cloud fuse.rclone rw 0 0
/dev/sdb1 /mnt/nas/local-cache ext4 rw 0 0
/dev/sdc1 /media/usb vfat rw 0 0
garbage line
"""


@pytest.mark.parametrize("location, backend, host", [
    ("sftp:backup@vault.example.net:/srv/restic", "sftp", "vault.example.net"),
    ("sftp://backup@vault.example.net:2222//srv/restic", "sftp", "vault.example.net"),
    ("s3:s3.us-east-1.amazonaws.com/dental-backups", "s3", "s3.us-east-1.amazonaws.com"),
    ("s3:https://minio.example.net:9000/bucket", "s3", "minio.example.net"),
    ("b2:dental-backups:fileserver", "b2", ""),
    ("rest:https://user:secret@backup.example.net:8000/repo", "rest", "backup.example.net"),
    ("azure:container:/repo", "azure", ""),
    ("gs:bucket:/repo", "gs", ""),
    ("rclone:onedrive:backups", "rclone", ""),
    ("ssh://backup@vault.example.net:22/./ledger", "ssh", "vault.example.net"),
    ("SFTP:host:/x", "sftp", "host"),
])
def test_remote_backends_are_recognised(location: str, backend: str, host: str) -> None:
    assert remote_host(location) == (backend, host)
    assert local_path(location) is None
    assert decide(location).offsite is True


@pytest.mark.parametrize("location", ["/srv/restic/fileserver", "repo", "./repo", "local:/srv/restic",
                                      "file:///srv/borg", "C:\\Backups\\restic", "backup:repo"])
def test_local_paths_are_onsite_without_a_mount_table(location: str) -> None:
    assert remote_host(location) is None
    decision = decide(location)
    assert decision.offsite is False
    assert "local path" in decision.reason


def test_scp_style_is_a_host_only_for_borg() -> None:
    assert remote_host("backup@vault.example.net:ledger", scp_style=True) == ("ssh", "vault.example.net")
    assert remote_host("vault:/srv/borg", scp_style=True) == ("ssh", "vault")
    assert remote_host("[2001:db8::5]:repo", scp_style=True) == ("ssh", "2001:db8::5")
    assert remote_host("backup@vault.example.net:ledger") is None  # restic: a local path with a colon
    assert remote_host("/srv/borg:weird", scp_style=True) is None
    assert remote_host("C:repo", scp_style=True) is None  # a drive letter


@pytest.mark.parametrize("location", ["rest:http://localhost:8000/", "rest:http://127.0.0.1:8000/repo",
                                      "sftp:backup@localhost:/srv", "ssh://backup@127.0.0.1/./repo",
                                      "s3:http://[::1]:9000/bucket"])
def test_remote_backend_on_this_machine_is_onsite(location: str) -> None:
    decision = decide(location, scp_style=True)
    assert decision.offsite is False
    assert "this machine" in decision.reason


def test_owner_statement_overrides_and_is_marked_declared() -> None:
    assert decide("/srv/restic", declared=True).offsite is True
    assert decide("/srv/restic", declared=True).declared is True
    assert decide("s3:s3.amazonaws.com/b", declared=False).offsite is False


def test_no_location_is_not_offsite() -> None:
    assert decide(None).offsite is False


def test_mount_table_parsing_unescapes_and_skips_garbage() -> None:
    mounts = parse_mounts(MOUNTS)
    assert len(mounts) == 8
    assert mounts[3].mountpoint == "/mnt/smb share"
    assert mounts[3].fstype == "cifs"


@pytest.mark.parametrize("path, fstype", [
    ("/mnt/nas/restic", "nfs4"),
    ("/mnt/nas", "nfs4"),
    ("/mnt/nas/local-cache/repo", "ext4"),  # a local disk mounted inside the share wins
    ("/mnt/nasty/repo", "ext4"),  # a prefix of the name is not a parent folder
    ("/mnt/smb share/borg", "cifs"),
    ("/mnt/vault/x", "fuse.sshfs"),
    ("/mnt/cloud/x", "fuse.rclone"),
    ("/media/usb/backups", "vfat"),
    ("/srv/restic/../../mnt/nas/r", "nfs4"),
])
def test_mount_of_picks_the_longest_mount_point(path: str, fstype: str) -> None:
    mount = mount_of(path, parse_mounts(MOUNTS))
    assert mount is not None and mount.fstype == fstype


@pytest.mark.parametrize("path, offsite", [
    ("/mnt/nas/restic", True), ("/mnt/smb share/borg", True), ("/mnt/vault/r", True), ("/mnt/cloud/r", True),
    ("/mnt/nas/local-cache/r", False), ("/media/usb/backups", False), ("/srv/restic", False),
])
def test_network_filesystems_count_as_offsite(path: str, offsite: bool) -> None:
    decision = decide(path, mounts=parse_mounts(MOUNTS), mounts_source="a test mount table")
    assert decision.offsite is offsite
    assert ("network share" in decision.reason) is offsite


def test_stacked_mounts_use_the_later_one() -> None:
    mounts = parse_mounts("/dev/sda1 /backup ext4 rw 0 0\nnas:/b /backup nfs rw 0 0\n")
    assert decide("/backup/repo", mounts=mounts).offsite is True


def test_empty_mount_table_has_no_mount() -> None:
    assert "not under any mount" in decide("/srv/x", mounts=[]).reason


def test_url_passwords_are_masked_and_found() -> None:
    location = "rest:https://user:s3cret@backup.example.net:8000/repo"
    assert mask_password(location) == "rest:https://user:***@backup.example.net:8000/repo"
    assert url_password(location) == "s3cret"
    assert url_password("sftp:backup@host:/srv") is None
    assert mask_password("/srv/restic") == "/srv/restic"
