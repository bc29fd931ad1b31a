using System.Runtime.CompilerServices;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
using Loyalty.Simulation;

namespace Loyalty.Api.Tests.Simulator;

/// <summary>The seeded members, accrual rows as each programme's format reads them, and a fixed clock.</summary>
internal static class SimulatorTesting
{
    public static readonly DateTimeOffset ProcessedAt = new(2025, 3, 15, 7, 40, 12, TimeSpan.Zero);

    private static readonly Lazy<SeededMembers> Seeded = new(() => SeededMembers.Parse(File.ReadAllText(SeededMembers.DefaultPath), SeededMembers.DefaultPath));

    /// <summary>tools/Loyalty.ProgrammeSimulator/members.json, as copied beside the tests.</summary>
    public static SeededMembers Members => Seeded.Value;

    public static SimulatorSettings Settings(string? mix = null, bool acceptUnknownMembers = false) => new()
    {
        Members = Members,
        Mix = mix is null ? OutcomeMix.AllSuccess : OutcomeMix.Parse(mix),
        AcceptUnknownMembers = acceptUnknownMembers,
    };

    public static TheoryData<string> Programmes => Fulfilment.Formats.PartnerFileTesting.Programmes;

    public static SeededMember Member(string code, MemberStatus status) =>
        Members.For(code).Members.First(member => member.Status == status);

    /// <summary>A 26-character transaction id, distinct per <paramref name="n"/>.</summary>
    public static string TransactionId(int n) => $"01JPAM9S346Q3D25VT4F5V{n:D4}";

    public static AccrualLine Line(int row, string memberId, string? givenName, string? surname, long amount = 5_000) =>
        new(row, TransactionId(row), memberId, givenName, surname, amount, new DateOnly(2025, 3, 14), "HARB");

    public static AccrualBatch Batch(string code, int sequence) =>
        new(code, sequence, new DateTimeOffset(2025, 3, 14, 17, 0, 0, TimeSpan.Zero));

    public static async Task<byte[]> WriteAccrualsAsync(PartnerFileSpec spec, AccrualBatch batch, IEnumerable<AccrualLine> lines)
    {
        using var output = new MemoryStream();
        await spec.Format.WriteAccrualsAsync(output, batch, ToAsync(lines), CancellationToken.None);
        return output.ToArray();
    }

    /// <summary>The rows as the programme sees them: written by the platform's writer and read back by the format's reader.</summary>
    public static async Task<IReadOnlyList<AccrualLine>> AsReadAsync(string code, params AccrualLine[] lines)
    {
        var spec = ProgrammeDefinitions.Get(code).Exchange;
        var batch = Batch(code, 1);
        var bytes = await WriteAccrualsAsync(spec, batch, lines);
        using var input = new MemoryStream(bytes);
        var file = await spec.Format.ReadAccrualsAsync(input, spec.AccrualFileName(1, batch.FileDate), CancellationToken.None);
        return file.Lines;
    }

    /// <summary>The outcome the simulator gives one row sent with these names, in file sequence 1.</summary>
    public static async Task<CanonicalOutcome> OutcomeAsync(
        string code, string memberId, string? givenName, string? surname, SimulatorSettings? settings = null)
    {
        var line = Assert.Single(await AsReadAsync(code, Line(1, memberId, givenName, surname)));
        return ProgrammeSimulator.AnswerRow(ProgrammeDefinitions.Get(code).Exchange, settings ?? Settings(), 1, line).Outcome;
    }

    private static async IAsyncEnumerable<T> ToAsync<T>(IEnumerable<T> items, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var item in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return item;
        }
    }
}

/// <summary>A clock stopped at one instant.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
