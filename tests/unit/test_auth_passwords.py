"""Password hashes: real scrypt, a salt per account, nothing stored that reveals the password."""

from __future__ import annotations

import pytest

from external_auth import passwords

FAST = 10  # the smallest cost the module allows: keeps the unit tests quick


def test_a_hash_verifies_its_password_and_no_other() -> None:
    stored = passwords.hash_password("correct horse", FAST)
    assert passwords.verify_password("correct horse", stored)
    assert not passwords.verify_password("correct horsE", stored)
    assert not passwords.verify_password("", stored)


def test_the_same_password_hashes_differently_per_account() -> None:
    first, second = passwords.hash_password("hunter22", FAST), passwords.hash_password("hunter22", FAST)
    assert first != second
    assert first.split("$")[4] != second.split("$")[4]  # the salts


def test_the_stored_form_names_scrypt_and_its_cost_and_hides_the_password() -> None:
    stored = passwords.hash_password("s3cret-password", FAST)
    scheme, log2_n, r, p, salt, digest = stored.split("$")
    assert (scheme, int(log2_n), int(r), int(p)) == ("scrypt", FAST, 8, 1)
    assert "s3cret" not in stored and salt and digest


def test_a_hash_made_at_another_cost_still_verifies() -> None:
    stored = passwords.hash_password("pw-at-cost-11", 11)
    assert passwords.verify_password("pw-at-cost-11", stored)


@pytest.mark.parametrize("stored", ["", "plain", "bcrypt$1$2$3$4$5", "scrypt$x$8$1$AA$AA", "scrypt$40$8$1$AA$AA"])
def test_a_malformed_or_foreign_hash_is_refused_not_crashed_on(stored: str) -> None:
    with pytest.raises(passwords.InvalidHash):
        passwords.verify_password("anything", stored)


def test_a_cost_outside_the_allowed_range_is_refused() -> None:
    with pytest.raises(ValueError):
        passwords.hash_password("pw", 4)


def test_unicode_passwords_work() -> None:
    stored = passwords.hash_password("pässwörd-密码", FAST)
    assert passwords.verify_password("pässwörd-密码", stored)
    assert not passwords.verify_password("passwort-密码", stored)
