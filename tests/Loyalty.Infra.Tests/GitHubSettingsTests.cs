using System.Text.Json.Nodes;

namespace Loyalty.Infra.Tests;

/// <summary>stages/github.json: who the ci stacks trust, validated like a stage file (errors name the file and field).</summary>
public sealed class GitHubSettingsTests
{
    [Fact]
    public void TheRealFile_Loads()
    {
        var github = GitHubSettingsLoader.Load(RepositoryRoot.Path);

        Assert.Equal($"repo:{github.Owner}/{github.Repository}:environment:prod", github.EnvironmentSubject("prod"));
        Assert.Equal($"repo:{github.Owner}/{github.Repository}:pull_request", github.PullRequestSubject);
    }

    [Theory]
    [InlineData("owner", "\"loyalty-*\"", "owner: 'loyalty-*' is not a GitHub user or organisation name")]
    [InlineData("owner", "\"-loyalty\"", "owner: '-loyalty' is not a GitHub user or organisation name")]
    [InlineData("repository", "\"loyalty:environment\"", "repository: 'loyalty:environment' is not a GitHub repository name")]
    [InlineData("repository", "\"..\"", "repository: '..' is not a GitHub repository name")]
    [InlineData("bootstrapQualifier", "\"hnb659fds-x\"", "bootstrapQualifier: 'hnb659fds-x' is not a cdk bootstrap qualifier")]
    [InlineData("tags", "{\"service\": \"loyalty\"}", "tags: 'owner' is required")]
    public void AnInvalidValue_IsRefusedNamingTheFileAndField(string field, string value, string message)
    {
        var error = Assert.Throws<StageConfigException>(() => GitHubSettingsLoader.Parse(With(field, value), GitHubSettingsLoader.File));

        Assert.StartsWith("stages/github.json: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownField_IsRefused()
    {
        var error = Assert.Throws<StageConfigException>(() => GitHubSettingsLoader.Parse(With("repo", "\"loyalty\""), GitHubSettingsLoader.File));

        Assert.Contains("stages/github.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("repo", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingFile_IsNamed() =>
        Assert.Contains("stages/github.json: not found", Assert.Throws<StageConfigException>(() => GitHubSettingsLoader.Load(Path.GetTempPath())).Message,
            StringComparison.Ordinal);

    /// <summary>The real file with one top-level field set to a JSON value.</summary>
    private static string With(string field, string value)
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, GitHubSettingsLoader.File)),
            documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;
        node[field] = JsonNode.Parse(value);
        return node.ToJsonString();
    }
}
