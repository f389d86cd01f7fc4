"""Browser protections: CSP, framing, sniffing, referrer, HSTS and __Host- cookies behind TLS."""

from __future__ import annotations

from crm import create_app


def test_every_response_carries_the_headers(client, make_user, login):
    for url in ("/login", "/static/css/app.css", "/no-such-page"):
        response = client.get(url)
        response.close()  # static files are streamed from an open file
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "object-src 'none'" in csp
        assert "base-uri 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "'unsafe-inline'" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP in tests
    login(make_user("rep"))
    assert "Content-Security-Policy" in client.get("/").headers


def test_secure_cookies_get_host_prefix_and_hsts(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_SECURE_COOKIES", "1")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/s.sqlite3"})
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["REMEMBER_COOKIE_NAME"] == "__Host-remember_token"
    client = app.test_client()
    response = client.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.headers.get("Set-Cookie", "")
    assert cookie.startswith("__Host-session=") and "Secure" in cookie and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie and "Domain" not in cookie and "Path=/" in cookie
