namespace Loyalty.Api.Features.Fulfilment;

/// <summary>
/// The states of a <c>batches</c> row: claiming (its sequence taken, rows being claimed a chunk at a time), claimed
/// (rows numbered, file maybe not yet sent) and submitted (file in S3, rows submitted). A batch not yet submitted is
/// finished by the next export of its programme before anything new.
/// </summary>
public static class BatchStatus
{
    public const string Claiming = "claiming";
    public const string Claimed = "claimed";
    public const string Submitted = "submitted";
}
