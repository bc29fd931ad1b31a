"""Turns the stage's SSM parameters and the database secret into systemd EnvironmentFile lines.

stdin: the JSON of `aws ssm get-parameters-by-path`, then the secret's JSON string (RDS's generated secret: username,
password, host, port, dbname). argv[1]: the port the API listens on. stdout: the file's lines.
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
    names = sorted(p["Name"].rsplit("/", 1)[-1] for p in parameters)
    refused = [name for name in names if not ALLOWED.match(name)]
    if refused:
        sys.exit(f"loyalty-config: {', '.join(refused)} under the stage's path is not a setting a stage may give the API "
                 f"(allowed: {ALLOWED.pattern})")
    lines += [line(p["Name"].rsplit("/", 1)[-1], p["Value"]) for p in sorted(parameters, key=lambda p: p["Name"])]
    # TLS to RDS always (the parameter group refuses anything else: require_secure_transport), and only to the
    # server the secret names, with a certificate from RDS's authorities: not to whoever answers at that address.
    connection = (f"Server={secret['host']};Port={secret['port']};Database={secret['dbname']};"
                  f"User ID={secret['username']};Password={secret['password']};SslMode=VerifyFull;SslCa={RDS_CA_BUNDLE}")
    lines.append(line("Database__ConnectionString", connection))
    print("\n".join(lines))


main()
