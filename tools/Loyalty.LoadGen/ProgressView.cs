using System.Globalization;
using Spectre.Console;

namespace Loyalty.LoadGen;

/// <summary>A progress bar while the run goes: requests done of the total, or time for duration runs.</summary>
public static class ProgressView
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(250);

    public static Task ShowAsync(IAnsiConsole console, Task run, Runner runner, LoadGenSettings settings, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(settings);
        var started = time.GetTimestamp();
        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var max = settings.Duration is { } duration ? duration.TotalSeconds : settings.Requests ?? 1;
                var task = context.AddTask(Describe(runner, settings), maxValue: max);
                while (!run.IsCompleted)
                {
                    Update(task, runner, settings, time.GetElapsedTime(started));
                    await Task.WhenAny(run, Task.Delay(Refresh, time));
                }

                Update(task, runner, settings, time.GetElapsedTime(started));
                task.StopTask();
            });
    }

    private static void Update(ProgressTask task, Runner runner, LoadGenSettings settings, TimeSpan elapsed)
    {
        task.Description = Describe(runner, settings);
        task.Value = settings.Duration is { } duration
            ? Math.Min(elapsed.TotalSeconds, duration.TotalSeconds)
            : runner.Completed;
    }

    private static string Describe(Runner runner, LoadGenSettings settings) => settings.Requests is { } requests
        ? string.Create(CultureInfo.InvariantCulture, $"{runner.Completed}/{requests} requests, {runner.Failed} failed")
        : string.Create(CultureInfo.InvariantCulture, $"{runner.Completed} requests, {runner.Failed} failed");
}
