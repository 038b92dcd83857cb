using Sovereignty.Proxy.Cli;

return await SovereigntyCli.RunAsync(args);
