using System.Reflection;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;

namespace Loyalty.Api.Tests.Simulator;

/// <summary>
/// A bucket in memory behind <see cref="IAmazonS3"/>, serving only what the simulator calls (list v2 in small pages,
/// get, put); anything else fails the test. The S3 path itself runs against moto in the fulfilment tests.
/// </summary>
public class InMemoryS3 : DispatchProxy
{
    private const int PageSize = 2;

    public SortedDictionary<string, byte[]> Objects { get; } = new(StringComparer.Ordinal);

    public string Bucket { get; private set; } = "";

    public int PutCount { get; private set; }

    public static (IAmazonS3 Client, InMemoryS3 Bucket) Create(string bucket)
    {
        var client = Create<IAmazonS3, InMemoryS3>();
        var store = (InMemoryS3)(object)client;
        store.Bucket = bucket;
        return (client, store);
    }

    public void Put(string key, byte[] content) => Objects[key] = content;

    public string Text(string key) => Encoding.UTF8.GetString(Objects[key]);

    public IEnumerable<string> Keys(string prefix) => Objects.Keys.Where(key => key.StartsWith(prefix, StringComparison.Ordinal));

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        ArgumentNullException.ThrowIfNull(args);
        return targetMethod.Name switch
        {
            nameof(IAmazonS3.ListObjectsV2Async) when args[0] is ListObjectsV2Request request => Task.FromResult(List(request)),
            nameof(IAmazonS3.GetObjectAsync) when args is [string bucket, string key, CancellationToken] => Task.FromResult(Get(bucket, key)),
            nameof(IAmazonS3.PutObjectAsync) when args[0] is PutObjectRequest request => Task.FromResult(Put(request)),
            nameof(IDisposable.Dispose) => null,
            _ => throw new NotSupportedException($"The in-memory S3 does not serve {targetMethod}."),
        };
    }

    private ListObjectsV2Response List(ListObjectsV2Request request)
    {
        Assert.Equal(Bucket, request.BucketName);
        var after = request.ContinuationToken;
        var keys = Keys(request.Prefix ?? "")
            .Where(key => after is null || string.CompareOrdinal(key, after) > 0)
            .Take(PageSize + 1)
            .ToList();
        var page = keys.Take(PageSize).ToList();
        var truncated = keys.Count > PageSize;
        return new ListObjectsV2Response
        {
            S3Objects = [.. page.Select(key => new S3Object { Key = key })],
            IsTruncated = truncated,
            NextContinuationToken = truncated ? page[^1] : null,
        };
    }

    private GetObjectResponse Get(string bucket, string key)
    {
        Assert.Equal(Bucket, bucket);
        return Objects.TryGetValue(key, out var content)
            ? new GetObjectResponse { ResponseStream = new MemoryStream(content), Key = key, BucketName = bucket }
            : throw new AmazonS3Exception($"No such key {key}") { StatusCode = System.Net.HttpStatusCode.NotFound };
    }

    private PutObjectResponse Put(PutObjectRequest request)
    {
        Assert.Equal(Bucket, request.BucketName);
        byte[] content;
        if (request.InputStream is { } stream)
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            content = copy.ToArray();
        }
        else
        {
            content = Encoding.UTF8.GetBytes(request.ContentBody ?? "");
        }

        Objects[request.Key] = content;
        PutCount++;
        return new PutObjectResponse();
    }
}
