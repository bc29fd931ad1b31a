namespace Loyalty.Core;

/// <summary>
/// How long a release's database migration may take. The migration step waits this long for another instance's run
/// to finish (the database's named lock), and the fleet's launch hook and rollout wait for it (infra ApiFleet).
/// A longer change (an index build on a big table) is run ahead of the release, online, by hand.
/// </summary>
public static class MigrationLimits
{
    public const int Minutes = 40;
}
