using Amazon.S3;
using Amazon.SimpleSystemsManagement;
using Amazon.SQS;

namespace Loyalty.Core;

/// <summary>
/// The AWS clients of the API and its tools. The standard <c>AWS_ENDPOINT_URL</c> points them at the local
/// emulator (which needs path-style S3 addressing); in AWS it is unset and the SDK finds the regional endpoints,
/// the region and the instance role's credentials itself.
/// </summary>
public static class AwsClients
{
    public const string EndpointSetting = "AWS_ENDPOINT_URL";

    public static AmazonS3Client S3(string? endpoint) => new(endpoint is null
        ? new AmazonS3Config()
        : new AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true });

    public static AmazonSQSClient Sqs(string? endpoint) => new(endpoint is null
        ? new AmazonSQSConfig()
        : new AmazonSQSConfig { ServiceURL = endpoint });

    public static AmazonSimpleSystemsManagementClient Ssm(string? endpoint) => new(endpoint is null
        ? new AmazonSimpleSystemsManagementConfig()
        : new AmazonSimpleSystemsManagementConfig { ServiceURL = endpoint });
}
