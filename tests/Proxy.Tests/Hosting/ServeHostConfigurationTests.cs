using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Sovereignty.Proxy.Hosting;

namespace Sovereignty.Proxy.Tests.Hosting;

/// <summary>
/// <c>sovereignty serve</c> reads its settings files once: they are validated at start-up, and
/// a watcher on them (the ASP.NET default) watched the whole content root, recursively.
/// </summary>
public sealed class ServeHostConfigurationTests
{
    [Fact]
    public void CreateBuilder_SettingsFiles_AreNotWatchedForChanges()
    {
        string settings = Path.Combine(Directory.CreateTempSubdirectory("sovereignty-settings-").FullName, "serve.json");
        File.WriteAllText(settings, "{}");
        try
        {
            WebApplicationBuilder builder = ServeHost.CreateBuilder([], settings);

            FileConfigurationSource[] files = [.. ((IConfigurationBuilder)builder.Configuration).Sources.OfType<FileConfigurationSource>()];
            Assert.Contains(files, file => file.Path == "appsettings.json");
            Assert.Contains(files, file => file.Path == "serve.json");
            Assert.All(files, file => Assert.False(file.ReloadOnChange, $"{file.Path} is watched for changes"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(settings)!, recursive: true);
        }
    }
}
