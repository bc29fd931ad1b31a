"""Turns the stage's SSM parameters and the database secret into systemd EnvironmentFile lines.

stdin: the JSON of `aws ssm get-parameters-by-path`, then the secret's JSON string (RDS's generated secret: username,
password, host, port, dbname). argv[1]: the port the API listens on. stdout: the file's lines.
"""
import json
import re
import sys

KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def line(key: str, value: str) -> str:
    if not KEY.match(key):
        sys.exit(f"loyalty-config: parameter name {key!r} is not an environment variable name")
    if "\n" in value or "\r" in value:
        sys.exit(f"loyalty-config: the value of {key} spans lines")
    # Double-quoted, so systemd keeps spaces and takes backslash escapes; it never expands $ here.
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{key}="{escaped}"'


def main() -> None:
    text = sys.stdin.read()
    decoder = json.JSONDecoder()
    document, end = decoder.raw_decode(text.lstrip())
    parameters = document["Parameters"]
    secret = json.loads(text.lstrip()[end:])
    missing = [k for k in ("username", "password", "host", "port", "dbname") if not secret.get(k)]
    if missing:
        sys.exit(f"loyalty-config: the database secret lacks {', '.join(missing)}")

    lines = [line("ASPNETCORE_URLS", f"http://0.0.0.0:{int(sys.argv[1])}")]
    lines += [line(p["Name"].rsplit("/", 1)[-1], p["Value"]) for p in sorted(parameters, key=lambda p: p["Name"])]
    # TLS to RDS always: the parameter group refuses anything else (require_secure_transport).
    connection = (f"Server={secret['host']};Port={secret['port']};Database={secret['dbname']};"
                  f"User ID={secret['username']};Password={secret['password']};SslMode=Required")
    lines.append(line("Database__ConnectionString", connection))
    print("\n".join(lines))


main()
