#!/bin/sh
# create-bucket (minio/mc image), at every start before the pipeline: the pipeline's bucket, and the pipeline's MinIO
# user with a policy that allows only that bucket's objects. Each step leaves what is already so as it is (mc since
# RELEASE.2024-10 accepts attaching a policy that is attached already); a changed S3_SECRET_KEY takes effect.
set -eu

# a secret still the example value of .env.example (they all contain change-me) stops the start
refuse_example_value() {
  eval "value=\${$1:-}"
  case "$value" in *change-me*)
    echo "$1 is still the example value of .env.example: set your own in .env" >&2
    exit 1 ;;
  esac
}
refuse_example_value MINIO_ROOT_PASSWORD
refuse_example_value S3_SECRET_KEY

mc alias set minio http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"
mc mb --ignore-existing "minio/$S3_BUCKET"

# list the bucket; read, write and delete its objects (the archive, the aggregate snapshots and their history):
# no other bucket, no bucket policy, no administration
policy=/tmp/cdc-pipeline-policy.json
printf '%s\n' '{"Version": "2012-10-17", "Statement": [' \
  "{\"Effect\": \"Allow\", \"Action\": [\"s3:GetBucketLocation\", \"s3:ListBucket\", \"s3:ListBucketMultipartUploads\"], \"Resource\": [\"arn:aws:s3:::$S3_BUCKET\"]}," \
  "{\"Effect\": \"Allow\", \"Action\": [\"s3:GetObject\", \"s3:PutObject\", \"s3:DeleteObject\", \"s3:AbortMultipartUpload\", \"s3:ListMultipartUploadParts\"], \"Resource\": [\"arn:aws:s3:::$S3_BUCKET/*\"]}" \
  ']}' > "$policy"
mc admin policy create minio cdc-pipeline "$policy"
mc admin user add minio "$S3_ACCESS_KEY" "$S3_SECRET_KEY"
mc admin policy attach minio cdc-pipeline --user "$S3_ACCESS_KEY"
