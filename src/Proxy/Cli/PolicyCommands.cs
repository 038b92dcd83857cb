using System.CommandLine;
using Sovereignty.Policies.Evaluation;
using Sovereignty.Policies.Explain;
using Sovereignty.Policies.Extraction;
using Sovereignty.Policies.Loading;
using Sovereignty.Policies.Model;
using Sovereignty.Policies.Testing;
using Sovereignty.Policies.Validation;
using Sovereignty.Proxy.Hosting;

namespace Sovereignty.Proxy.Cli;

/// <summary>
/// <c>sovereignty policy validate|test|explain</c>: the security officer's loop of checking
/// a policy directory, running it against samples and expectations, and seeing why.
/// </summary>
/// <remarks>
/// Exit codes: 0 success; 1 the policy is invalid or an expectation failed; 2 the command
/// could not run (bad option, unreadable sample or key-class list).
/// Key classes come from <c>--key-classes</c> (<c>name=RESIDENCY,…</c> or a file of such lines), else
/// from the gateway configuration, read from the same sources as the gateway
/// (<see cref="CliHost.BuildConfiguration"/>: appsettings.json next to the executable,
/// <c>--config</c> or else <c>./appsettings.json</c>, then <c>SOVEREIGNTY__HSM__KEYCLASSES__…</c>
/// environment variables), section <c>Sovereignty:Hsm:KeyClasses</c>; without any, key-class
/// checks are skipped and the output says so.
/// </remarks>
internal static class PolicyCommands
{
    public const int Success = 0;
    public const int Failed = 1;
    public const int CannotRun = 2;

    private static readonly Option<string?> s_keyClasses = new("--key-classes")
    {
        Description = "Key classes the gateway provides: name=RESIDENCY[,name=RESIDENCY…], or a file with one per line.",
    };

    private static readonly Option<FileInfo?> s_config = new("--config")
    {
        Description = "Gateway configuration to read key classes from (Sovereignty:Hsm:KeyClasses); default ./appsettings.json if present.",
    };

    public static Command Create()
    {
        var command = new Command("policy", "Validate, test and explain policy directories.");
        command.Subcommands.Add(CreateValidate());
        command.Subcommands.Add(CreateTest());
        command.Subcommands.Add(CreateExplain());
        return command;
    }

    private static Argument<DirectoryInfo> DirectoryArgument() => new("DIR") { Description = "The policy directory (*.yaml files)." };

    private static Command CreateValidate()
    {
        var dir = DirectoryArgument();
        var command = new Command("validate", "Check a policy directory and list every error as file:line:col: message.") { dir, s_keyClasses, s_config };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (!TryLoad(parse, parse.GetRequiredValue(dir), out var policy, out var exit))
            {
                return exit;
            }

            output.WriteLine($"OK: {policy!.Name} {policy.Version}");
            output.WriteLine($"  {policy.Labels.Count} labels, {policy.Detectors.Count} detectors, {policy.Rules.Count} rules; evaluation {PolicyNames.Semantics(policy.Semantics)}, mode {PolicyNames.Mode(policy.Mode)}");
            return Success;
        });
        return command;
    }

    private static Command CreateTest()
    {
        var dir = DirectoryArgument();
        var samples = new Argument<FileInfo[]>("SAMPLES")
        {
            Description = "Sample .eml files (mail) and documents to classify; their decisions are printed.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var tests = new Option<FileSystemInfo[]>("--tests")
        {
            Description = "Test files (or directories of *.yaml test files) with expectations; default DIR/tests when no sample is given.",
            AllowMultipleArgumentsPerToken = true,
        };
        var path = new Option<string?>("--path") { Description = "Document route/path to assume for document samples, e.g. /sites/rh/x.docx." };
        var command = new Command("test", "Run a policy against samples and test files; non-zero exit on any failed expectation.")
        {
            dir, samples, tests, path, s_keyClasses, s_config,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(RunTests(parse, parse.GetRequiredValue(dir), parse.GetValue(samples) ?? [], parse.GetValue(tests) ?? [], parse.GetValue(path), cancellationToken)));
        return command;
    }

    private static Command CreateExplain()
    {
        var dir = DirectoryArgument();
        var sample = new Argument<FileInfo>("SAMPLE") { Description = "One .eml file or document." };
        var path = new Option<string?>("--path") { Description = "Document route/path to assume for a document sample." };
        var command = new Command("explain", "Show step by step how the policy decides for one sample (never the sensitive values).")
        {
            dir, sample, path, s_keyClasses, s_config,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (!TryLoad(parse, parse.GetRequiredValue(dir), out var policy, out var exit))
            {
                return Task.FromResult(exit);
            }

            var file = parse.GetRequiredValue(sample);
            if (!file.Exists)
            {
                error.WriteLine($"{file.FullName}: sample not found");
                return Task.FromResult(CannotRun);
            }

            ClassificationRequest request;
            try
            {
                request = new SampleReader(new ContentExtractor()).Read(file.FullName, new SampleOverrides(DocumentPath: parse.GetValue(path)), cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
            {
                error.WriteLine($"{file.FullName}: cannot read the sample: {ex.Message}");
                return Task.FromResult(CannotRun);
            }

            var trace = PolicyEvaluator.Explain(policy!, request, cancellationToken);
            output.Write(DecisionText.Explanation(policy!, request, trace, file.Name));
            return Task.FromResult(Success);
        });
        return command;
    }

    private static int RunTests(ParseResult parse, DirectoryInfo dir, FileInfo[] samples, FileSystemInfo[] tests, string? path, CancellationToken cancellationToken)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        if (!TryLoad(parse, dir, out var policy, out var exit))
        {
            return exit;
        }

        output.WriteLine($"Policy {policy!.Name} {policy.Version}");
        var reader = new SampleReader(new ContentExtractor());
        foreach (var sample in samples)
        {
            if (!sample.Exists)
            {
                error.WriteLine($"{sample.FullName}: sample not found");
                return CannotRun;
            }

            try
            {
                var decision = PolicyEvaluator.Evaluate(policy, reader.Read(sample.FullName, new SampleOverrides(DocumentPath: path), cancellationToken), cancellationToken);
                output.WriteLine();
                output.WriteLine(sample.Name);
                output.WriteLine("  " + DecisionText.Summary(decision).Replace("\n", "\n  ", StringComparison.Ordinal));
            }
            catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
            {
                error.WriteLine($"{sample.FullName}: cannot read the sample: {ex.Message}");
                return CannotRun;
            }
        }

        var testFiles = TestFiles(samples.Length == 0 && tests.Length == 0 ? [new DirectoryInfo(Path.Combine(dir.FullName, "tests"))] : tests).ToList();
        if (testFiles.Count == 0)
        {
            if (samples.Length == 0)
            {
                error.WriteLine("nothing to run: give sample files, or test files with --tests (or put them in DIR/tests/)");
                return CannotRun;
            }

            return Success;
        }

        var cases = new List<PolicyTestCase>();
        var fileErrors = new List<PolicyError>();
        foreach (var testFile in testFiles)
        {
            var (fileCases, errors) = PolicyTestFileReader.Read(testFile);
            cases.AddRange(fileCases);
            fileErrors.AddRange(errors);
        }

        foreach (var fileError in fileErrors)
        {
            error.WriteLine(fileError.ToString());
        }

        var results = new PolicyTestRunner(reader).Run(policy, cases, cancellationToken);
        output.WriteLine();
        WriteTable(output, results);
        var failed = results.Count(r => !r.Passed);
        output.WriteLine();
        output.WriteLine($"{results.Count - failed} passed, {failed} failed, {results.Count} total" + (fileErrors.Count > 0 ? $"; {fileErrors.Count} error(s) in test files" : string.Empty));
        return failed == 0 && fileErrors.Count == 0 ? Success : Failed;
    }

    private static void WriteTable(TextWriter output, IReadOnlyList<PolicyTestResult> results)
    {
        var nameWidth = Math.Min(60, results.Select(r => r.Case.Name.Length).DefaultIfEmpty(4).Max());
        output.WriteLine($"{"RESULT",-6}  {"TEST".PadRight(nameWidth)}  DECISION");
        foreach (var result in results)
        {
            var outcome = result.Decision is { } d
                ? $"{d.Outcome.Label} / {PolicyNames.Action(d.Outcome.Action)} / {d.Outcome.Rule ?? "default"}" + (d.Mode == PolicyMode.AuditOnly ? " (audit-only)" : string.Empty)
                : "-";
            var name = result.Case.Name.Length > nameWidth ? result.Case.Name[..(nameWidth - 1)] + "…" : result.Case.Name;
            output.WriteLine($"{(result.Passed ? "PASS" : "FAIL"),-6}  {name.PadRight(nameWidth)}  {outcome}");
            foreach (var failure in result.Failures)
            {
                output.WriteLine($"{string.Empty,-6}  {string.Empty.PadRight(nameWidth)}  ✗ {failure}");
            }
        }
    }

    private static IEnumerable<string> TestFiles(IEnumerable<FileSystemInfo> given)
    {
        foreach (var entry in given)
        {
            if (entry is DirectoryInfo || Directory.Exists(entry.FullName))
            {
                if (!Directory.Exists(entry.FullName))
                {
                    continue;
                }

                foreach (var file in Directory.EnumerateFiles(entry.FullName, "*.y*ml").Order(StringComparer.Ordinal))
                {
                    yield return file;
                }
            }
            else
            {
                // A missing file is reported by the test-file reader with its path.
                yield return entry.FullName;
            }
        }
    }

    private static bool TryLoad(ParseResult parse, DirectoryInfo dir, out CompiledPolicy? policy, out int exit)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        policy = null;
        IReadOnlyCollection<KeyClassInfo>? keyClasses;
        try
        {
            keyClasses = KeyClasses(parse);
        }
        catch (Exception ex) when (ex is FormatException or IOException or InvalidDataException)
        {
            error.WriteLine("key classes: " + ex.Message);
            exit = CannotRun;
            return false;
        }

        if (keyClasses is null)
        {
            output.WriteLine("note: key classes not checked (give --key-classes, or Sovereignty:Hsm:KeyClasses in --config / appsettings.json / SOVEREIGNTY__HSM__KEYCLASSES__0__NAME environment variables)");
        }

        var result = new PolicyLoader(keyClasses, DetectorFactory.Default).Load(dir.ToString());
        if (!result.Succeeded)
        {
            foreach (var e in result.Errors)
            {
                error.WriteLine(e.ToString());
            }

            error.WriteLine($"{result.Errors.Count} error(s); the policy was not accepted.");
            exit = Failed;
            return false;
        }

        policy = result.Policy;
        exit = Success;
        return true;
    }

    private static IReadOnlyCollection<KeyClassInfo>? KeyClasses(ParseResult parse)
    {
        if (parse.GetValue(s_keyClasses) is { } text)
        {
            return KeyClassList.Parse(File.Exists(text) ? File.ReadAllText(text) : text);
        }

        var config = parse.GetValue(s_config) ?? new FileInfo("appsettings.json");
        if (!config.Exists && parse.GetValue(s_config) is not null)
        {
            throw new FileNotFoundException($"{config.FullName} not found");
        }

        IConfiguration configuration;
        try
        {
            // The gateway's own sources: appsettings.json next to the executable, the file,
            // then SOVEREIGNTY__HSM__KEYCLASSES__0__NAME-style environment variables.
            configuration = CliHost.BuildConfiguration(config.Exists ? config : null);
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"{config.FullName}: {ex.Message}", ex);
        }

        var classes = configuration.GetSection("Sovereignty:Hsm:KeyClasses").GetChildren()
            .Select(c => new KeyClassInfo(c["Name"] ?? string.Empty, c["Residency"] ?? string.Empty))
            .Where(c => c.Name.Length > 0)
            .ToList();
        return classes.Count == 0 ? null : classes;
    }
}
