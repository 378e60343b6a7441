"""``edge-governance``: generate a development key, sign a policy bundle."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from policies import TrustedKeys, read_policy_sources, read_public_key, verify_bundle
from policies.defaults import SOURCE_DIR
from sync.server.__main__ import main
from sync.server.centre_keys import CentreKeys
from sync.server.clock import utc_now


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def key_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A folder holding a freshly generated key pair with id ``dev-test``."""
    folder = tmp_path / "keys"
    code, _, err = run(
        capsys, "keys", "generate", "--out", str(folder), "--key-id", "dev-test"
    )
    assert code == 0, err
    return folder


def sign(
    capsys: pytest.CaptureFixture[str], key_dir: Path, *args: str
) -> tuple[int, str, str]:
    return run(
        capsys,
        "policy",
        "sign",
        str(SOURCE_DIR),
        "--key",
        str(key_dir / "dev-test.signing-key"),
        *args,
    )


def test_keys_generate_writes_a_private_key_for_the_owner_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "keys", "generate", "--out", str(tmp_path / "k"))
    assert code == 0
    private = next((tmp_path / "k").glob("*.signing-key"))
    public = next((tmp_path / "k").glob("*.pub.json"))
    assert private.name.startswith("dev-")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert read_public_key(public).key_id == private.name.removesuffix(".signing-key")
    assert "never commit" in out


def test_keys_generate_refuses_to_overwrite(
    key_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (key_dir / "dev-test.signing-key").read_bytes()
    code, _, err = run(
        capsys, "keys", "generate", "--out", str(key_dir), "--key-id", "dev-test"
    )
    assert code == 1
    assert "exists already" in err
    assert (key_dir / "dev-test.signing-key").read_bytes() == before


def test_keys_generate_refuses_a_bad_key_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "keys", "generate", "--out", str(tmp_path), "--key-id", "Bad Id"
    )
    assert code == 1
    assert "not a valid key id" in err


def test_policy_sign_builds_a_bundle_devices_accept(
    key_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "bundle.json"
    code, out, err = sign(
        capsys,
        key_dir,
        "--version",
        "7",
        "--issued",
        "2027-01-01T00:00:00Z",
        "--expires",
        "2027-06-30T00:00:00+00:00",
        "--out",
        str(out_file),
    )
    assert code == 0, err
    assert "Signed policy version 7" in out
    keys = TrustedKeys.of(read_public_key(key_dir / "dev-test.pub.json"))
    bundle = verify_bundle(
        out_file.read_bytes(),
        keys,
        active_version=6,
        now=datetime(2027, 2, 1, tzinfo=UTC),
    )
    assert bundle.version == 7
    assert bundle.manifest.key_id == "dev-test"
    assert dict(bundle.files) == read_policy_sources(SOURCE_DIR)
    assert bundle.manifest.expires_at == datetime(2027, 6, 30, tzinfo=UTC)


def test_policy_sign_without_a_key_signs_with_the_centre_s_active_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    out_file = tmp_path / "bundle.json"
    code, _, err = run(
        capsys,
        "--data-dir",
        str(data),
        "policy",
        "sign",
        str(SOURCE_DIR),
        "--version",
        "4",
        "--expires",
        "2099-01-01T00:00:00Z",
        "--out",
        str(out_file),
    )

    assert code == 0, err
    key_set = CentreKeys(data / "keys", clock=utc_now).current().key_set
    bundle = verify_bundle(
        out_file.read_bytes(),
        key_set.trusted,
        active_version=3,
        now=datetime.now(UTC),
    )
    assert bundle.version == 4 and bundle.manifest.key_id == key_set.active


def test_policy_sign_writes_next_to_the_caller_and_never_overwrites(
    key_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    args = ("--version", "3", "--expires", "2099-01-01T00:00:00Z")
    assert sign(capsys, key_dir, *args)[0] == 0
    written = (tmp_path / "policy-bundle-v3.json").read_bytes()
    code, _, err = sign(capsys, key_dir, *args)
    assert code == 1
    assert "exists already" in err
    assert (tmp_path / "policy-bundle-v3.json").read_bytes() == written


def test_policy_sign_names_the_file_rule_and_field_of_a_bad_source(
    key_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "policy"
    source.mkdir()
    for name, text in read_policy_sources(SOURCE_DIR).items():
        (source / name).write_text(text, encoding="utf-8")
    with (source / "rules.toml").open("a", encoding="utf-8") as rules:
        rules.write('\n[[rules]]\nid = "oops"\noutcome = "maybe"\nreason = "x"\n')
    code, out, err = run(
        capsys,
        "policy",
        "sign",
        str(source),
        "--key",
        str(key_dir / "dev-test.signing-key"),
        "--version",
        "2",
        "--expires",
        "2099-01-01T00:00:00Z",
        "--out",
        str(tmp_path / "b.json"),
    )
    assert code == 1
    assert "rules.toml, rule 'oops', field 'outcome'" in err
    assert not (tmp_path / "b.json").exists()


@pytest.mark.parametrize(
    ("args", "code", "problem"),
    [
        (("--version", "2", "--expires", "2099-01-01"), 2, "no timezone"),
        (("--version", "2", "--expires", "soon"), 2, "not an ISO 8601 time"),
        (("--version", "0", "--expires", "2099-01-01T00:00:00Z"), 2, "--version"),
        (
            (
                "--version",
                "2",
                "--issued",
                "2099-01-02T00:00:00Z",
                "--expires",
                "2099-01-01T00:00:00Z",
            ),
            1,
            "must be after the issue time",
        ),
    ],
)
def test_policy_sign_refuses_bad_versions_and_times(
    key_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    code: int,
    problem: str,
) -> None:
    result, _, err = sign(capsys, key_dir, *args, "--out", str(tmp_path / "b.json"))
    assert result == code
    assert problem in err


def test_policy_sign_reports_an_unreadable_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_key = tmp_path / "bad.signing-key"
    bad_key.write_text("{}", encoding="utf-8")
    code, _, err = sign(
        capsys, tmp_path, "--version", "2", "--expires", "2099-01-01T00:00:00Z"
    )
    assert code == 1
    assert "Cannot read the signing key file" in err
    code, _, err = run(
        capsys,
        "policy",
        "sign",
        str(SOURCE_DIR),
        "--key",
        str(bad_key),
        "--version",
        "2",
        "--expires",
        "2099-01-01T00:00:00Z",
    )
    assert code == 1
    assert "not a valid signing key file" in err


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "keys" in out and "policy" in out
