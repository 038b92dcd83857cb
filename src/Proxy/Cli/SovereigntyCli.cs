using System.CommandLine;

namespace Sovereignty.Proxy.Cli;

/// <summary>
/// The root of the <c>sovereignty</c> command line. Each verb group lives in its own
/// file under <c>Cli/</c> and is added here.
/// </summary>
internal static class SovereigntyCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Sovereignty: encryption and data-sovereignty gateway for mail and documents.");
        root.Subcommands.Add(KeysCommands.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(DevCommands.Create());
        root.Subcommands.Add(PolicyCommands.Create());
        root.Subcommands.Add(AuditCommands.Create());
        EnvelopeCommands.Create().ToList().ForEach(root.Subcommands.Add);
        root.Subcommands.Add(QueueCommands.Create());
        root.Subcommands.Add(SmimeCommands.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var root = Build();
        return await root.Parse(args).InvokeAsync();
    }
}
