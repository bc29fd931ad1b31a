using System.Text.RegularExpressions;

namespace Loyalty.Infra;

/// <summary>
/// Who deploys and previews the stages: GitHub Actions of one repository, through GitHub's OIDC provider
/// (<c>stages/github.json</c>). <see cref="GitHubSettingsLoader"/> reads and validates it like a stage file.
/// </summary>
/// <param name="Owner">The GitHub user or organisation that owns <paramref name="Repository"/>.</param>
/// <param name="BootstrapQualifier">The <c>cdk bootstrap</c> qualifier of every account (CDK's default is hnb659fds).</param>
/// <param name="Tags">The ci stack's tags: the <see cref="StageLoader.RequiredTags"/> (its stage tag is <c>ci</c>).</param>
public sealed record GitHubSettings(string Owner, string Repository, string BootstrapQualifier, IReadOnlyDictionary<string, string> Tags)
{
    /// <summary>The OIDC <c>sub</c> of a job that runs in a GitHub environment of this repository.</summary>
    public string EnvironmentSubject(string environment) => $"repo:{Owner}/{Repository}:environment:{environment}";

    /// <summary>The OIDC <c>sub</c> of a job run for a pull request of this repository (forks get no token).</summary>
    public string PullRequestSubject => $"repo:{Owner}/{Repository}:pull_request";

    /// <summary>The OIDC <c>sub</c> of a job that runs on a branch outside any environment (a schedule runs on the default branch).</summary>
    public string BranchSubject(string branch) => $"repo:{Owner}/{Repository}:ref:refs/heads/{branch}";
}

public static partial class GitHubSettingsLoader
{
    public const string File = "stages/github.json";

    /// <summary>Reads <see cref="File"/> under <paramref name="root"/> and validates it.</summary>
    public static GitHubSettings Load(string root)
    {
        var path = Path.Combine(root, File);
        return System.IO.File.Exists(path)
            ? Parse(System.IO.File.ReadAllText(path), File)
            : throw new StageConfigException($"{File}: not found under {root}.");
    }

    public static GitHubSettings Parse(string json, string file)
    {
        var settings = StageLoader.Deserialize<GitHubSettings>(json, file);
        var errors = Validate(settings).ToList();
        return errors.Count == 0 ? settings : throw new StageConfigException($"{file}: {string.Join("; ", errors)}");
    }

    private static IEnumerable<string> Validate(GitHubSettings s)
    {
        // GitHub's own rules: they also keep '*' and ':' out of the OIDC subject the roles trust.
        if (!OwnerName().IsMatch(s.Owner))
        {
            yield return $"owner: '{s.Owner}' is not a GitHub user or organisation name (letters, digits, single hyphens, at most 39)";
        }

        if (!RepositoryName().IsMatch(s.Repository) || s.Repository is "." or "..")
        {
            yield return $"repository: '{s.Repository}' is not a GitHub repository name (letters, digits, '.', '_', '-', at most 100)";
        }

        if (!Qualifier().IsMatch(s.BootstrapQualifier))
        {
            yield return $"bootstrapQualifier: '{s.BootstrapQualifier}' is not a cdk bootstrap qualifier (letters and digits, at most 10)";
        }

        foreach (var tag in StageLoader.RequiredTags.Where(t => !s.Tags.ContainsKey(t)))
        {
            yield return $"tags: '{tag}' is required";
        }
    }

    [GeneratedRegex("^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$")]
    private static partial Regex OwnerName();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex RepositoryName();

    [GeneratedRegex("^[A-Za-z0-9]{1,10}$")]
    private static partial Regex Qualifier();
}
