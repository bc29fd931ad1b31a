using System.Reflection;
using System.Text.Json;

namespace Loyalty.LoadGen;

/// <summary>A member id (with the names on file) that passes its programme's checks.</summary>
public sealed record TestMember(string MemberId, string? GivenName, string? Surname);

/// <summary>
/// Members per programme: the programme simulator's active members (its members.json, embedded at build),
/// so accruals the load generator makes locally come back credited rather than rejected.
/// </summary>
public static class TestMembers
{
    private const string ResourceName = "Loyalty.LoadGen.members.json";

    public static IReadOnlyDictionary<string, IReadOnlyList<TestMember>> Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from the build.");
        var file = JsonSerializer.Deserialize(stream, LoadGenJson.Default.DictionaryStringMembersFileProgramme)
            ?? throw new InvalidDataException($"{ResourceName} is empty.");
        return file.ToDictionary(
            p => p.Key,
            p => (IReadOnlyList<TestMember>)[.. p.Value.Members
                .Where(m => m.Status == "active")
                .Select(m => new TestMember(m.MemberId, m.GivenName, m.Surname))],
            StringComparer.Ordinal);
    }
}

public sealed record MembersFileProgramme(string NameRule, IReadOnlyList<MembersFileMember> Members);

public sealed record MembersFileMember(string MemberId, string? GivenName, string? Surname, string Status);
