namespace Loyalty.Testing;

/// <summary>
/// The repository these tests were built from (the folder holding Loyalty.sln), its scripts, and the binaries built
/// beside the tests. Linked into every test project from tests/Shared.
/// </summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    /// <summary>The API as the solution builds it, in the configuration of the running tests.</summary>
    public static string ApiDll => Built(System.IO.Path.Combine("app", "Loyalty.Api"), "Loyalty.Api.dll");

    /// <summary>One of the project's scripts/, by file name.</summary>
    public static string Script(string name) => System.IO.Path.Combine(Path, "scripts", name);

    /// <summary>A binary of <paramref name="project"/> (a folder under the root) built in the tests' own configuration.</summary>
    public static string Built(string project, string dll)
    {
        var path = System.IO.Path.Combine(Path, project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException("Build the solution first: " + path);
    }

    /// <summary>The configuration of the bin/&lt;Configuration&gt;/net10.0 folder the tests run from.</summary>
    private static string Configuration =>
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar)).Parent!.Name;

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Loyalty.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Loyalty.sln not found above " + AppContext.BaseDirectory);
    }
}
