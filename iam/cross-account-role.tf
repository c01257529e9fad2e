# sgdoctor's read role in a member account: assumed from the account sgdoctor runs in, only with
# the external id, and allowed to read the network configuration (iam/ec2-config.json) and, when
# a results bucket is given, to query the flow-log table with Athena (iam/athena.json); and, as the
# target's sources need, to query a flow-log group with Logs Insights (iam/cloudwatch-logs.json),
# to read flow-log objects without Athena (iam/s3-flow-logs.json), and to read AWS Config's
# recorded history (iam/config-history.json).

variable "trusted_principal_arn" {
  type        = string
  description = "The role (or account root) sgdoctor runs as, e.g. arn:aws:iam::111122223333:role/sgdoctor"
}

variable "external_id" {
  type        = string
  sensitive   = true
  description = "The external id of the sgdoctor target for this account (confused-deputy protection)."
}

variable "role_name" {
  type    = string
  default = "sgdoctor-read"
}

variable "athena_workgroup" {
  type    = string
  default = "primary"
}

variable "glue_database" {
  type    = string
  default = ""
}

variable "glue_table" {
  type    = string
  default = ""
}

variable "flow_log_bucket" {
  type    = string
  default = ""
}

variable "flow_log_prefix" {
  type    = string
  default = "AWSLogs/"
}

variable "results_bucket" {
  type        = string
  default     = ""
  description = "Athena query results bucket; leave empty to read EC2 only."
}

variable "results_prefix" {
  type    = string
  default = "sgdoctor/"
}

variable "flow_log_group_name" {
  type        = string
  default     = ""
  description = "The flow log's CloudWatch Logs group, for a cloudwatch-logs flow source; leave empty otherwise."
}

variable "read_flow_log_objects" {
  type        = bool
  default     = false
  description = "Read flow_log_bucket/flow_log_prefix directly, for an s3 flow source (no Athena)."
}

variable "read_config_history" {
  type        = bool
  default     = false
  description = "Read AWS Config's history, for a target with configSource.history aws-config."
}

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  arn_prefix = "arn:${data.aws_partition.current.partition}"
  region     = data.aws_region.current.name
  account    = data.aws_caller_identity.current.account_id
}

data "aws_iam_policy_document" "trust" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [var.trusted_principal_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.external_id]
    }
  }
}

resource "aws_iam_role" "sgdoctor_read" {
  name                 = var.role_name
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "ec2_config" {
  statement {
    sid = "ReadNetworkConfiguration"
    actions = [
      "ec2:DescribeFlowLogs",
      "ec2:DescribeManagedPrefixLists",
      "ec2:DescribeNetworkAcls",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeRouteTables",
      "ec2:DescribeSecurityGroupRules",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeStaleSecurityGroups",
      "ec2:DescribeSubnets",
      "ec2:DescribeTransitGatewayVpcAttachments",
      "ec2:DescribeTransitGateways",
      "ec2:DescribeVpcPeeringConnections",
      "ec2:DescribeVpcs",
      "ec2:GetManagedPrefixListEntries",
    ]
    resources = ["*"]
  }
  statement {
    sid       = "ReadRuleQuotas"
    actions   = ["servicequotas:GetServiceQuota"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "ec2_config" {
  name   = "sgdoctor-ec2-config"
  role   = aws_iam_role.sgdoctor_read.id
  policy = data.aws_iam_policy_document.ec2_config.json
}

data "aws_iam_policy_document" "athena" {
  statement {
    sid = "RunFlowLogQueriesInTheWorkgroup"
    actions = [
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
      "athena:StartQueryExecution",
      "athena:StopQueryExecution",
    ]
    resources = ["${local.arn_prefix}:athena:${local.region}:${local.account}:workgroup/${var.athena_workgroup}"]
  }
  statement {
    sid       = "ReadTheFlowLogTableLayout"
    actions   = ["athena:GetTableMetadata"]
    resources = ["${local.arn_prefix}:athena:${local.region}:${local.account}:datacatalog/AwsDataCatalog"]
  }
  statement {
    sid     = "ReadTheGlueCatalogEntry"
    actions = ["glue:GetDatabase", "glue:GetPartitions", "glue:GetTable"]
    resources = [
      "${local.arn_prefix}:glue:${local.region}:${local.account}:catalog",
      "${local.arn_prefix}:glue:${local.region}:${local.account}:database/${var.glue_database}",
      "${local.arn_prefix}:glue:${local.region}:${local.account}:table/${var.glue_database}/${var.glue_table}",
    ]
  }
  statement {
    sid       = "ReadTheFlowLogObjects"
    actions   = ["s3:GetObject"]
    resources = ["${local.arn_prefix}:s3:::${var.flow_log_bucket}/${var.flow_log_prefix}*"]
  }
  statement {
    sid       = "ListTheFlowLogBucket"
    actions   = ["s3:GetBucketLocation", "s3:ListBucket"]
    resources = ["${local.arn_prefix}:s3:::${var.flow_log_bucket}"]
  }
  statement {
    sid       = "WriteAndReadQueryResults"
    actions   = ["s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"]
    resources = ["${local.arn_prefix}:s3:::${var.results_bucket}/${var.results_prefix}*"]
  }
  statement {
    sid       = "ListTheResultsBucket"
    actions   = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"]
    resources = ["${local.arn_prefix}:s3:::${var.results_bucket}"]
  }
}

resource "aws_iam_role_policy" "athena" {
  count  = var.results_bucket == "" ? 0 : 1
  name   = "sgdoctor-athena"
  role   = aws_iam_role.sgdoctor_read.id
  policy = data.aws_iam_policy_document.athena.json
}

data "aws_iam_policy_document" "cloudwatch_logs" {
  statement {
    sid       = "QueryTheFlowLogGroupWithInsights"
    actions   = ["logs:StartQuery"]
    resources = ["${local.arn_prefix}:logs:${local.region}:${local.account}:log-group:${var.flow_log_group_name}:*"]
  }
  statement {
    sid       = "ReadAndStopTheQueries"
    actions   = ["logs:GetQueryResults", "logs:StopQuery"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "cloudwatch_logs" {
  count  = var.flow_log_group_name == "" ? 0 : 1
  name   = "sgdoctor-cloudwatch-logs"
  role   = aws_iam_role.sgdoctor_read.id
  policy = data.aws_iam_policy_document.cloudwatch_logs.json
}

data "aws_iam_policy_document" "s3_flow_logs" {
  statement {
    sid       = "ListTheDeliveryPrefixes"
    actions   = ["s3:ListBucket"]
    resources = ["${local.arn_prefix}:s3:::${var.flow_log_bucket}"]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.flow_log_prefix}*"]
    }
  }
  statement {
    sid       = "ReadTheFlowLogObjectsDirectly"
    actions   = ["s3:GetObject"]
    resources = ["${local.arn_prefix}:s3:::${var.flow_log_bucket}/${var.flow_log_prefix}*"]
  }
}

resource "aws_iam_role_policy" "s3_flow_logs" {
  count  = var.read_flow_log_objects ? 1 : 0
  name   = "sgdoctor-s3-flow-logs"
  role   = aws_iam_role.sgdoctor_read.id
  policy = data.aws_iam_policy_document.s3_flow_logs.json
}

data "aws_iam_policy_document" "config_history" {
  statement {
    sid       = "ReadTheRecordedNetworkConfigurationOfEachWindow"
    actions   = ["config:GetResourceConfigHistory", "config:ListDiscoveredResources"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "config_history" {
  count  = var.read_config_history ? 1 : 0
  name   = "sgdoctor-config-history"
  role   = aws_iam_role.sgdoctor_read.id
  policy = data.aws_iam_policy_document.config_history.json
}

output "role_arn" {
  description = "The roleArn of the sgdoctor target for this account."
  value       = aws_iam_role.sgdoctor_read.arn
}
