"""Runs Debian's AWS CLI v2 (/usr/bin/aws, awscli 2.9) unchanged, except that every S3 client it
creates is sent to the endpoint in OPENTRAIL_S3_ENDPOINT_URL.

Why this exists: `aws cloudtrail validate-logs` makes its own S3 clients, and --endpoint-url only
reaches its CloudTrail client. AWS CLI v1 is pointed at an S3-compatible server with the
AWS_ENDPOINT_URL_S3 environment variable, but the botocore bundled in AWS CLI 2.9 predates
service-specific endpoint variables, so nothing else can point v2's S3 reads at s3rver. Only the
`endpoint_url` of S3 clients changes; the validator itself (awscli.customizations.cloudtrail.
validation) runs as Debian ships it.

Usage: python3 aws-cli-v2-validate.py cloudtrail validate-logs ... (the same arguments as `aws`).
"""

import inspect
import os
import sys

# Debian's awscli v2 package, ahead of any awscli (v1) a user site or PYTHONPATH might hold.
sys.path.insert(0, "/usr/lib/python3/dist-packages")

import awscli  # noqa: E402  (installs the alias that makes `import botocore` the bundled copy)
import botocore.session  # noqa: E402
from awscli.clidriver import main  # noqa: E402

S3_ENDPOINT = os.environ["OPENTRAIL_S3_ENDPOINT_URL"]
_create_client = botocore.session.Session.create_client
_signature = inspect.signature(_create_client)


def _create_client_with_s3_endpoint(self, *args, **kwargs):
    bound = _signature.bind(self, *args, **kwargs)
    if bound.arguments.get("service_name") == "s3" and bound.arguments.get("endpoint_url") is None:
        bound.arguments["endpoint_url"] = S3_ENDPOINT
    return _create_client(*bound.args, **bound.kwargs)


botocore.session.Session.create_client = _create_client_with_s3_endpoint

if __name__ == "__main__":
    sys.exit(main())
