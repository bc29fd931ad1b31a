"""Turns the stage's SSM parameters and the database secrets into systemd EnvironmentFile lines.

`loyalty-env.py api PORT SECRET_NAME`: stdin is the JSON of `aws ssm get-parameters-by-path`, then the API's database
secret (its rows-only user, named SECRET_NAME); stdout is the API's settings (api.env). They hold no password: the API
reads it from the secret itself, and again after each rotation.
`loyalty-env.py migration`: stdin is the migration secret (RDS's master user), then the API's; stdout is what the
migration step adds to the API's settings (migrate.env), which the API never sees: the master user's connection, and
the API's with its password, to create the API's user on the first migration.
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
# What Secrets Manager allows in a secret's name.
SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")


def line(key: str, value: str) -> str:
    if not KEY.match(key):
        sys.exit(f"loyalty-config: parameter name {key!r} is not an environment variable name")
    if "\n" in value or "\r" in value:
        sys.exit(f"loyalty-config: the value of {key} spans lines")
    # Double-quoted, so systemd keeps spaces and takes backslash escapes; it never expands $ here.
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{key}="{escaped}"'


def connection_string(secret: dict, which: str, with_password: bool = True) -> str:
    missing = [k for k in ("username", "password", "host", "port", "dbname") if not secret.get(k)]
    if missing:
        sys.exit(f"loyalty-config: the {which} secret lacks {', '.join(missing)}")
    # TLS to RDS always (the parameter group refuses anything else: require_secure_transport), and only to the
    # server the secret names, with a certificate from RDS's authorities: not to whoever answers at that address.
    password = f"Password={secret['password']};" if with_password else ""
    return (f"Server={secret['host']};Port={secret['port']};Database={secret['dbname']};"
            f"User ID={secret['username']};{password}SslMode=VerifyFull;SslCa={RDS_CA_BUNDLE}")


def documents(text: str) -> list:
    """The JSON documents of stdin, one after another."""
    decoder, found, position = json.JSONDecoder(), [], 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return found
        document, position = decoder.raw_decode(text, position)
        found.append(document)


def api(port: int, secret_name: str) -> None:
    parameters, secret = documents(sys.stdin.read())
    parameters = parameters["Parameters"]
    if not SECRET_NAME.match(secret_name):
        sys.exit(f"loyalty-config: {secret_name!r} is not a secret name")
    connection = connection_string(secret, "database", with_password=False)

    lines = [line("ASPNETCORE_URLS", f"http://0.0.0.0:{port}")]
    names = sorted(p["Name"].rsplit("/", 1)[-1] for p in parameters)
    refused = [name for name in names if not ALLOWED.match(name)]
    if refused:
        sys.exit(f"loyalty-config: {', '.join(refused)} under the stage's path is not a setting a stage may give the API "
                 f"(allowed: {ALLOWED.pattern})")
    lines += [line(p["Name"].rsplit("/", 1)[-1], p["Value"]) for p in sorted(parameters, key=lambda p: p["Name"])]
    lines.append(line("Database__ConnectionString", connection))
    lines.append(line("Database__PasswordSecret", secret_name))
    print("\n".join(lines))


def migration() -> None:
    master, secret = documents(sys.stdin.read())
    print(line("Database__MigrationConnectionString", connection_string(master, "migration")))
    print(line("Database__ConnectionString", connection_string(secret, "database")))


if sys.argv[1:2] == ["api"] and len(sys.argv) == 4:
    api(int(sys.argv[2]), sys.argv[3])
elif sys.argv[1:] == ["migration"]:
    migration()
else:
    sys.exit("usage: loyalty-env.py api PORT SECRET_NAME | loyalty-env.py migration")
