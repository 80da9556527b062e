"""Issue 13's acceptance for S3 with boto3 from the package index: a Keystone EC2 credential's
keys sign the requests; the objects boto3 writes are the ones Swift's API serves."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
import pytest

from tests.clients.harness import ClientRunner

pytestmark = pytest.mark.clients

SCRIPT = """
import hashlib, json, os, sys
import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

endpoint, access, secret, big = sys.argv[1:5]
s3 = boto3.client(
    "s3", endpoint_url=endpoint, aws_access_key_id=access, aws_secret_access_key=secret,
    region_name="RegionOne", config=Config(s3={"addressing_style": "path"}),
)
out = {}
s3.create_bucket(Bucket="photos")
out["buckets"] = [b["Name"] for b in s3.list_buckets()["Buckets"]]
s3.put_object(Bucket="photos", Key="2026/cat.jpg", Body=b"meow", Metadata={"owner": "demo"})
s3.put_object(Bucket="photos", Key="2026/dog.jpg", Body=b"woof")
s3.put_object(Bucket="photos", Key="2025/old.jpg", Body=b"old")
listed = s3.list_objects_v2(Bucket="photos", Prefix="2026/")
out["listed"] = [o["Key"] for o in listed["Contents"]]
rolled = s3.list_objects_v2(Bucket="photos", Delimiter="/")
out["prefixes"] = [p["Prefix"] for p in rolled.get("CommonPrefixes", [])]
head = s3.head_object(Bucket="photos", Key="2026/cat.jpg")
out["meta"] = head["Metadata"]
out["etag"] = head["ETag"]
out["presigned"] = s3.generate_presigned_url(
    "get_object", Params={"Bucket": "photos", "Key": "2026/cat.jpg"}, ExpiresIn=300
)
config = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024)
s3.upload_file(big, "photos", "big.bin", Config=config)
out["big_etag"] = s3.head_object(Bucket="photos", Key="big.bin")["ETag"]
s3.download_file("photos", "big.bin", big + ".back", Config=config)
out["big_back_md5"] = hashlib.md5(open(big + ".back", "rb").read()).hexdigest()
try:
    s3.delete_bucket(Bucket="photos")
except s3.exceptions.ClientError as exc:
    out["delete_full_bucket"] = exc.response["Error"]["Code"]
s3.delete_object(Bucket="photos", Key="2025/old.jpg")
out["after_delete"] = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="photos")["Contents"])
print(json.dumps(out))
"""


def test_boto3_with_an_ec2_credential(cli: ClientRunner, tmp_path: Path) -> None:
    cred = cli.openstack("ec2", "credentials", "create")
    big = tmp_path / "big.bin"
    data = hashlib.sha256(b"seed").digest() * (50 * 1024 * 1024 // 32)
    big.write_bytes(data)
    script = tmp_path / "s3.py"
    script.write_text(SCRIPT)
    endpoint = f"{cli.server.url}/s3"
    ran = cli.run("python", str(script), endpoint, cred["access"], cred["secret"], str(big))
    out = json.loads(ran.stdout)
    assert "photos" in out["buckets"]
    assert out["listed"] == ["2026/cat.jpg", "2026/dog.jpg"]
    assert out["prefixes"] == ["2025/", "2026/"]
    assert out["meta"] == {"owner": "demo"}
    assert out["etag"] == '"' + hashlib.md5(b"meow").hexdigest() + '"'
    assert out["big_etag"].strip('"').endswith("-7")  # 50 MiB in 8 MiB parts
    assert out["big_back_md5"] == hashlib.md5(data).hexdigest()
    assert out["delete_full_bucket"] == "BucketNotEmpty"
    assert out["after_delete"] == ["2026/cat.jpg", "2026/dog.jpg", "big.bin"]

    fetched = httpx.get(out["presigned"])
    assert fetched.status_code == 200 and fetched.content == b"meow"
    tampered = httpx.get(out["presigned"].replace("2026/cat.jpg", "2026/dog.jpg"))
    assert tampered.status_code == 403 and b"SignatureDoesNotMatch" in tampered.content

    # The same objects through Swift's API, as the credential's project (demo).
    swift_objects = cli.openstack("object", "list", "photos")
    assert sorted(row["Name"] for row in swift_objects) == ["2026/cat.jpg", "2026/dog.jpg", "big.bin"]
    saved = tmp_path / "saved.bin"
    cli.openstack("object", "save", "photos", "big.bin", "--file", str(saved), fmt=False)
    assert hashlib.md5(saved.read_bytes()).hexdigest() == hashlib.md5(data).hexdigest()
    shown = cli.openstack("object", "show", "photos", "2026/cat.jpg")
    assert "owner" in str(shown.get("properties")).lower()


def test_a_wrong_secret_is_refused_in_s3s_format(cli: ClientRunner) -> None:
    cred = cli.openstack("ec2", "credentials", "create")
    code = (
        "import sys, boto3, botocore\n"
        "s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2],\n"
        "    aws_secret_access_key='not-the-secret', region_name='RegionOne')\n"
        "try:\n"
        "    s3.list_buckets()\n"
        "except botocore.exceptions.ClientError as exc:\n"
        "    print(exc.response['Error']['Code'], exc.response['ResponseMetadata']['HTTPStatusCode'])\n"
    )
    out = cli.run("python", "-c", code, f"{cli.server.url}/s3", cred["access"]).stdout.split()
    assert out == ["SignatureDoesNotMatch", "403"]
