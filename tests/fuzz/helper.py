"""Sign-in, test data and hand probes for tests/fuzz/run.sh (see README.md beside it).

Usage: helper.py BASE LOG COMMAND HOST [ARG]; COMMAND is signin, config or probe.
"""
import json, re, sys, time
import requests

base, log, command, host = sys.argv[1:5]
H = {"Host": host}

def csrf(html):
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    if not found:
        sys.exit(f"fuzz: no CSRF token in the page of {host}")
    return found.group(1)

if command == "signin":
    email = sys.argv[5]
    s = requests.Session()
    r = s.get(f"{base}/connexion", headers=H, timeout=10)
    r.raise_for_status()
    r = s.post(f"{base}/connexion", headers=H, timeout=10,
               data={"csrf": csrf(r.text), "email": email, "retour": "/"})
    if r.status_code != 200:
        sys.exit(f"fuzz: POST /connexion on {host} answered {r.status_code}")
    # The worker logs "… to=<email> subject=… body=…" then the body's lines, with the link.
    pattern = re.compile(r"to=" + re.escape(email) + r" .*?jeton=([A-Za-z0-9_-]+)", re.S)
    token, deadline = None, time.time() + 30
    while token is None and time.time() < deadline:
        with open(log, encoding="utf-8", errors="replace") as f:
            found = pattern.findall(f.read())
        token = found[-1] if found else None
        if token is None:
            time.sleep(0.3)
    if token is None:
        sys.exit(f"fuzz: no sign-in mail to {email} in {log} within 30 s")
    r = s.get(f"{base}/connexion/lien", params={"jeton": token}, headers=H, timeout=10)
    r.raise_for_status()
    r = s.post(f"{base}/connexion/lien", headers=H, timeout=10, allow_redirects=False,
               data={"csrf": csrf(r.text), "jeton": token})
    session = r.cookies.get("ecoute_session")
    if r.status_code != 303 or not session:
        sys.exit(f"fuzz: POST /connexion/lien on {host} answered {r.status_code} without a session")
    me = requests.get(f"{base}/api/v1/me", headers={**H, "Cookie": f"ecoute_session={session}"}, timeout=10)
    if me.status_code != 200:
        sys.exit(f"fuzz: GET /api/v1/me with the new session answered {me.status_code}")
    print(session)

elif command == "config":
    path = sys.argv[5]
    get = lambda p: requests.get(f"{base}{p}", headers=H, timeout=30).json()
    slugs, ideas, comments, themes, questions, all_ideas = [], [], [], [], [], []
    for c in get("/api/v1/campaigns"):
        slugs.append(c["slug"])
        themes += c.get("themes") or []
        listing = requests.get(f"{base}/api/v1/campaigns/{c['slug']}/ideas", headers=H, timeout=30)
        if listing.ok:
            all_ideas += listing.json()["ideas"]
            ideas += [i["id"] for i in listing.json()["ideas"]]
        survey = requests.get(f"{base}/api/v1/campaigns/{c['slug']}/survey", headers=H, timeout=30)
        if survey.ok:
            questions += [q["id"] for q in survey.json()]
    for i in [i["id"] for i in all_ideas if i.get("comment_count")][:10]:
        r = requests.get(f"{base}/api/v1/ideas/{i}/comments", headers=H, timeout=30)
        if r.ok:
            stack = list(r.json() if isinstance(r.json(), list) else r.json().get("comments", []))
            while stack:
                item = stack.pop()
                if isinstance(item, dict):
                    if "id" in item:
                        comments.append(item["id"])
                    stack += item.get("replies") or []
    toml = lambda values: json.dumps(sorted(set(values)), ensure_ascii=False)
    lines = []
    def dictionary(name, values, bindings, probability):
        if values:
            lines.append(f"[dictionaries.{name}]\nvalues = {toml(values)}\n")
            for b in bindings:
                lines.append(f'[parameters."{b}"]\ndictionary = "{name}"\nprobability = {probability}\n')
    dictionary("slugs", slugs + ["campagne-inconnue"], ["path.slug"], 0.7)
    dictionary("ideas", ideas[:20] + ["00000000-0000-0000-0000-000000000000"], ["path.id"], 0.7)
    dictionary("comments", comments[:20], ["body.parent_id", "body.comment_id"], 0.5)
    dictionary("themes", themes, ["body.theme"], 0.5)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print(",".join(sorted(set(questions))))

elif command == "probe":
    # Hand-made requests that a schema-driven fuzzer does not send: broken bodies and encodings,
    # wrong media types, unknown routes and methods, oversized bodies, control characters. Each
    # must be refused with a 4xx problem+json (or, where noted, may succeed), never a 5xx.
    import http.client
    from urllib.parse import urlsplit
    session = sys.argv[5]
    target = urlsplit(base)
    # An open campaign of this space and one of its ideas, so that the probes reach the handlers.
    campaigns = requests.get(f"{base}/api/v1/campaigns", headers=H, timeout=30).json()
    slug, idea = campaigns[0]["slug"], "00000000-0000-0000-0000-000000000000"
    for c in campaigns:
        listing = requests.get(f"{base}/api/v1/campaigns/{c['slug']}/ideas", headers=H, timeout=30)
        if c["status"] == "open" and listing.ok and listing.json()["ideas"]:
            slug, idea = c["slug"], listing.json()["ideas"][0]["id"]
            break
    cookie = f"ecoute_session={session}"
    JSON_CT = "application/json"
    ok_or_4xx, refused = "2xx or 4xx", "4xx"
    idea_body = lambda title: json.dumps({"kind": "idee", "title": title, "body": "Un texte assez long pour passer."})
    probes = [
        # (what, method, path, headers, body, expected)
        ("malformed JSON", "POST", f"/api/v1/campaigns/{slug}/ideas", {"Content-Type": JSON_CT}, b'{"kind":', refused),
        ("trailing characters", "PATCH", "/api/v1/me", {"Content-Type": JSON_CT}, b'{"pseudonym":"Zoe"} x', refused),
        ("JSON that is not an object", "PATCH", "/api/v1/me", {"Content-Type": JSON_CT}, b'[1,2]', refused),
        ("text/plain body", "POST", f"/api/v1/campaigns/{slug}/ideas", {"Content-Type": "text/plain"}, idea_body("Titre"), refused),
        ("no Content-Type", "POST", f"/api/v1/ideas/{idea}/comments", {}, b'{"body":"Bonjour"}', refused),
        ("form body", "POST", f"/api/v1/ideas/{idea}/reports", {"Content-Type": "application/x-www-form-urlencoded"}, b"reason=abc", refused),
        ("invalid UTF-8 in JSON", "POST", f"/api/v1/ideas/{idea}/comments", {"Content-Type": JSON_CT}, b'{"body":"\xff\xfe ok"}', refused),
        ("NUL in a JSON string", "POST", f"/api/v1/campaigns/{slug}/ideas", {"Content-Type": JSON_CT}, idea_body("Tit\u0000re"), refused),
        ("lone surrogate in JSON", "PATCH", "/api/v1/me", {"Content-Type": JSON_CT}, b'{"pseudonym":"Zo\\ud800e"}', refused),
        ("C0 control in a comment", "POST", f"/api/v1/ideas/{idea}/comments", {"Content-Type": JSON_CT}, b'{"body":"ab\\u0007cd"}', refused),
        ("broken chunked encoding", "PATCH", "/api/v1/me", {"Content-Type": JSON_CT, "Transfer-Encoding": "chunked"}, b"zz\r\n", refused),
        ("unknown field type", "PUT", f"/api/v1/campaigns/{slug}/survey/response", {"Content-Type": JSON_CT}, b'{"answers":[]}', refused),
        ("huge integer", "PUT", f"/api/v1/campaigns/{slug}/survey/response", {"Content-Type": JSON_CT}, b'{"answers":{"x":1e999}}', refused),
        ("body over the JSON limit", "POST", f"/api/v1/ideas/{idea}/comments", {"Content-Type": JSON_CT}, b'{"body":"' + b"a" * (3 << 20) + b'"}', refused),
        ("method not allowed", "PUT", f"/api/v1/ideas/{idea}", {"Content-Type": JSON_CT}, b"{}", refused),
        ("unknown /api route", "GET", "/api/v1/nothing-here", {}, None, refused),
        ("unknown /api root route", "GET", "/api/nothing", {}, None, refused),
        ("id that is not a uuid", "GET", "/api/v1/ideas/not-a-uuid", {}, None, refused),
        ("bad percent-encoding in the path", "GET", "/api/v1/ideas/%FF%FE", {}, None, refused),
        ("NUL in the path", "GET", f"/api/v1/campaigns/a%00b", {}, None, refused),
        ("page that is not a number", "GET", f"/api/v1/campaigns/{slug}/ideas?page=abc", {}, None, refused),
        ("page out of range", "GET", f"/api/v1/campaigns/{slug}/ideas?page=99999999999999999999", {}, None, refused),
        ("NUL in the search query", "GET", f"/api/v1/campaigns/{slug}/ideas?q=a%00b", {}, None, ok_or_4xx),
        ("invalid UTF-8 in the search query", "GET", f"/api/v1/campaigns/{slug}/ideas?q=%FF", {}, None, ok_or_4xx),
        ("long search query", "GET", f"/api/v1/campaigns/{slug}/ideas?q=" + "mot%20" * 3000, {}, None, ok_or_4xx),
        ("search syntax", "GET", f"/api/v1/campaigns/{slug}/ideas?q=%22%22%20-%20%22a%20%26%20%7C%21", {}, None, ok_or_4xx),
        ("bad deletion choice", "DELETE", "/api/v1/me?contributions=maybe", {}, None, refused),
        # Not ASCII, yet a valid header (obs-text): it reaches the application. (A C0 control in a
        # header is refused earlier, by hyper's parser, with a bare 400 no handler can shape.)
        ("Latin-1 bytes in User-Agent", "GET", "/api/v1/me", {"User-Agent": "a\tb\xe9\xff"}, None, ok_or_4xx),
        ("odd Accept-Language", "GET", "/api/v1/tenant", {"Accept-Language": "\xff;q=abc,,*;q=2"}, None, ok_or_4xx),
        ("garbage session cookie", "GET", "/api/v1/me", {"Cookie": "ecoute_session=%00%FF" + "x" * 5000}, None, refused),
    ]
    failures = 0
    for what, method, path, headers, body, expected in probes:
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        all_headers = {"Host": host, "Cookie": cookie, **headers}
        if isinstance(body, str):
            body = body.encode()
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in all_headers.items():
                conn.putheader(name, value.encode("latin-1") if isinstance(value, str) else value)
            if body is not None and "Transfer-Encoding" not in headers:
                conn.putheader("Content-Length", str(len(body)))
            try:
                conn.endheaders(body)
            except OSError:
                pass  # the server may answer (413) and close before the whole body is sent
            response = conn.getresponse()
            status, content_type, content = response.status, response.getheader("Content-Type", ""), response.read()
        except (OSError, http.client.HTTPException) as exc:
            # A server that closes the connection on an oversized body has still refused it.
            status, content_type, content = None, "", str(exc).encode()
        finally:
            conn.close()
        problem = None
        if status is None:
            problem = f"no answer ({content.decode()})"
        elif status >= 500:
            problem = "server error"
        elif status < 400 and expected == refused:
            problem = "accepted"
        elif status >= 400:
            try:
                parsed = json.loads(content)
            except ValueError:
                parsed = None
            if content_type.split(";")[0].strip() != "application/problem+json":
                problem = f"{content_type or 'no Content-Type'}, not application/problem+json"
            elif not isinstance(parsed, dict) or any(k not in parsed for k in ("type", "title", "status", "detail")) or parsed["status"] != status:
                problem = "not a complete problem document"
        shown = f"{method} {path[:90]}{'…' if len(path) > 90 else ''}"
        if problem:
            failures += 1
            print(f"  FAIL {what}: {shown} -> {status} {problem}: {content[:200]!r}")
        else:
            print(f"  ok   {what}: {status}")
    print(f"probes on {host}: {len(probes) - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)
