using System.CommandLine;

namespace Loyalty.Simulation;

/// <summary>
/// <c>Loyalty.ProgrammeSimulator [--once] [--interval S] [--mix SUCCESS=90,PROGRAMME_ERROR=10] [--accept-unknown-members]</c>:
/// the command line; <see cref="SimulatorRun"/> does the work.
/// </summary>
internal static class Program
{
    private const int DefaultIntervalSeconds = 5;
    private const int MaxIntervalSeconds = 3600;

    public static Task<int> Main(string[] args)
    {
        var once = new Option<bool>("--once") { Description = "Answer the files there now, print one line per file, and exit." };
        var interval = new Option<int>("--interval")
        {
            Description = "Seconds between passes when not --once.",
            DefaultValueFactory = _ => DefaultIntervalSeconds,
        };
        interval.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > MaxIntervalSeconds)
            {
                result.AddError($"--interval must be 1 to {MaxIntervalSeconds} seconds.");
            }
        });
        var mix = new Option<OutcomeMix>("--mix")
        {
            Description = "Weighted outcomes of rows whose member is found, active and named right, "
                + "e.g. SUCCESS=90,PROGRAMME_ERROR=5,ACCOUNT_CLOSED=5.",
            DefaultValueFactory = _ => OutcomeMix.AllSuccess,
            CustomParser = result =>
            {
                if (OutcomeMix.TryParse(result.Tokens.Single().Value, out var parsed, out var error))
                {
                    return parsed;
                }

                result.AddError(error);
                return null;
            },
        };
        var acceptUnknown = new Option<bool>("--accept-unknown-members")
        {
            Description = "Treat member ids nobody seeded as active members whose names match.",
        };
        var members = new Option<string>("--members")
        {
            Description = "The seeded members file.",
            DefaultValueFactory = _ => SeededMembers.DefaultPath,
        };

        var root = new RootCommand("The loyalty programmes' side of the file exchange: answers accrual files with handbacks.")
        {
            once, interval, mix, acceptUnknown, members,
        };
        root.SetAction((parse, cancellationToken) => SimulatorRun.RunAsync(
            parse.GetValue(once), parse.GetValue(interval), parse.GetRequiredValue(mix), parse.GetValue(acceptUnknown),
            parse.GetRequiredValue(members), cancellationToken));
        return root.Parse(args).InvokeAsync();
    }
}
