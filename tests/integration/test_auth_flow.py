"""First run to revoked key over real HTTP against the live daphne server."""

import httpx
import pytest

pytestmark = pytest.mark.integration


def test_setup_login_me_then_revoked_key_is_401(live_url):
    with httpx.Client(base_url=f"{live_url}/api/v1", timeout=15) as http:
        assert http.get("/auth/setup-status/").json() == {"needs_setup": True}

        setup = http.post("/auth/setup/", json={"username": "founder", "password": "first-admin-pass"})
        assert setup.status_code == 200, setup.text
        assert http.get("/auth/setup-status/").json() == {"needs_setup": False}
        again = http.post("/auth/setup/", json={"username": "second", "password": "first-admin-pass"})
        assert again.status_code == 409

        token = http.post("/auth/token/", json={"username": "founder", "password": "first-admin-pass"})
        assert token.status_code == 200, token.text
        key = token.json()["key"]
        auth = {"Authorization": f"Bearer {key}"}

        me = http.get("/auth/me/", headers=auth)
        assert me.status_code == 200
        assert me.json()["username"] == "founder" and me.json()["role"] == "admin"

        keys = http.get("/users/me/keys/", headers=auth).json()
        login_key = next(item for item in keys["items"] if item["prefix"] == key[:8])
        assert key not in str(keys)
        revoked = http.delete(f"/users/me/keys/{login_key['id']}/", headers=auth)
        assert revoked.status_code == 204

        after = http.get("/auth/me/", headers=auth)
        assert after.status_code == 401
        assert "detail" in after.json()
