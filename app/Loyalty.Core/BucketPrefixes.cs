namespace Loyalty.Core;

/// <summary>
/// The partner-files bucket's folders, each followed by a programme code: the API writes batch files and reads them
/// back, reads handbacks (and tags the ones it quarantines), and writes processing reports. The instance role is
/// granted exactly that per folder.
/// </summary>
public static class BucketPrefixes
{
    public const string Outbound = "outbound/";

    public const string Inbound = "inbound/";

    public const string Reports = "reports/";
}
