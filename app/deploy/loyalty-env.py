"""Turns the stage's SSM parameters and the database secrets into systemd EnvironmentFile lines.

`loyalty-env.py api PORT`: stdin is the JSON of `aws ssm get-parameters-by-path`, then the API's database secret (its
rows-only user); stdout is the API's settings (api.env).
`loyalty-env.py migration`: stdin is the migration secret (RDS's master user); stdout is the one line the migration
step adds to them (migrate.env), which the API never sees.
Each secret is the JSON string RDS attaches: username, password, host, port, dbname.
"""
import json
import re
import sys

KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# The settings a stage may give the API, exactly the parameters the stack writes (a test of the infra holds the two
# together). Anything else under the path is refused, so a parameter can never switch the environment, the token
# issuer, the AWS endpoint or any other guard the unit and the image set.
ALLOWED = re.compile(r"^(Auth__Issuer|Auth__TokenEndpoint|BankClients__Clients__[A-Za-z0-9]+"
                     r"|Fulfilment__Bucket|Fulfilment__IngestQueueUrl|Fulfilment__BankQueues__[A-Z]{4})$")

# RDS's certificate authorities, all regions: the golden AMI puts them here (infra/Loyalty.Infra/GoldenAmi.cs).
RDS_CA_BUNDLE = "/etc/pki/loyalty/rds-global-bundle.pem"


def line(key: str, value: str) -> str:
    if not KEY.match(key):
        sys.exit(f"loyalty-config: parameter name {key!r} is not an environment variable name")
    if "\n" in value or "\r" in value:
        sys.exit(f"loyalty-config: the value of {key} spans lines")
    # Double-quoted, so systemd keeps spaces and takes backslash escapes; it never expands $ here.
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{key}="{escaped}"'


def connection_string(secret: dict, which: str) -> str:
    missing = [k for k in ("username", "password", "host", "port", "dbname") if not secret.get(k)]
    if missing:
        sys.exit(f"loyalty-config: the {which} secret lacks {', '.join(missing)}")
    # TLS to RDS always (the parameter group refuses anything else: require_secure_transport), and only to the
    # server the secret names, with a certificate from RDS's authorities: not to whoever answers at that address.
    return (f"Server={secret['host']};Port={secret['port']};Database={secret['dbname']};"
            f"User ID={secret['username']};Password={secret['password']};SslMode=VerifyFull;SslCa={RDS_CA_BUNDLE}")


def api(port: int) -> None:
    text = sys.stdin.read()
    decoder = json.JSONDecoder()
    document, end = decoder.raw_decode(text.lstrip())
    parameters = document["Parameters"]
    secret = json.loads(text.lstrip()[end:])
    connection = connection_string(secret, "database")

    lines = [line("ASPNETCORE_URLS", f"http://0.0.0.0:{port}")]
    names = sorted(p["Name"].rsplit("/", 1)[-1] for p in parameters)
    refused = [name for name in names if not ALLOWED.match(name)]
    if refused:
        sys.exit(f"loyalty-config: {', '.join(refused)} under the stage's path is not a setting a stage may give the API "
                 f"(allowed: {ALLOWED.pattern})")
    lines += [line(p["Name"].rsplit("/", 1)[-1], p["Value"]) for p in sorted(parameters, key=lambda p: p["Name"])]
    lines.append(line("Database__ConnectionString", connection))
    print("\n".join(lines))


def migration() -> None:
    secret = json.loads(sys.stdin.read())
    print(line("Database__MigrationConnectionString", connection_string(secret, "migration")))


if sys.argv[1:2] == ["api"] and len(sys.argv) == 3:
    api(int(sys.argv[2]))
elif sys.argv[1:] == ["migration"]:
    migration()
else:
    sys.exit("usage: loyalty-env.py api PORT | loyalty-env.py migration")
