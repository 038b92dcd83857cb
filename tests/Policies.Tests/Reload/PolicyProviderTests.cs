using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sovereignty.Policies.Evaluation;
using Sovereignty.Policies.Loading;
using Sovereignty.Policies.Model;
using Sovereignty.Policies.Reload;
using Sovereignty.Policies.Tests.Evaluation;
using Sovereignty.Policies.Validation;

namespace Sovereignty.Policies.Tests.Reload;

public sealed class PolicyProviderTests
{
    private static string Rules(string label) => $"""
        rules:
          - name: accounts
            when: {"{"} detector: account {"}"}
            label: {label}
        """;

    private const string Broken = "rules:\n  - name: accounts\n    when: { detector: nope }\n    label: confidential\n";

    private static readonly ClassificationRequest AccountMail =
        new(Channel.Mail, EvaluationSemanticsTests.Content("ACC-1234"))
        {
            Sender = "a@example.fr",
            Recipients = ["b@example.fr"],
        };

    private static PolicyProvider Create(TempPolicyDirectory dir, TimeProvider time, RecordingLogger<PolicyProvider> logger, bool watch = false, TimeSpan? poll = null) =>
        new(
            Options.Create(new PolicyProviderOptions
            {
                Directory = dir.Path,
                Watch = watch,
                Debounce = TimeSpan.FromMilliseconds(100),
                PollInterval = poll ?? TimeSpan.Zero,
            }),
            new PolicyLoader(TempPolicyDirectory.KeyClasses, TestDetectors.Factory),
            logger,
            time);

    [Fact]
    public void Create_ValidDirectory_LoadsAndReportsStatus()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules("confidential"));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 20, 0, 0, TimeSpan.Zero));
        var logger = new RecordingLogger<PolicyProvider>();

        using var provider = Create(dir, time, logger);

        Assert.Equal(provider.Current.Version, provider.Status.Version);
        Assert.Equal(time.GetUtcNow(), provider.Status.LoadedAt);
        Assert.False(provider.Status.LastChangeRejected);
        Assert.Contains(logger.Entries, e => e.Id.Id == 3100 && e.Id.Name == "PolicyLoaded");
    }

    [Fact]
    public void Create_InvalidDirectory_ThrowsWithEveryError()
    {
        using var dir = TempPolicyDirectory.WithRules(Broken);
        dir.Write("labels-2.yaml", "labels:\n  - name: public\n");

        var ex = Assert.Throws<PolicyValidationException>(() => Create(dir, TimeProvider.System, new RecordingLogger<PolicyProvider>()));

        Assert.Equal(2, ex.Errors.Count);
        Assert.Contains("undefined detector 'nope'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("duplicate label 'public'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_ValidChange_SwapsPolicy()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules("confidential"));
        using var provider = Create(dir, TimeProvider.System, new RecordingLogger<PolicyProvider>());
        var before = provider.Current;

        dir.Write("rules.yaml", Rules("secret"));

        Assert.True(provider.Reload());
        Assert.NotEqual(before.Version, provider.Current.Version);
        Assert.Equal("secret", PolicyEvaluator.Evaluate(provider.Current, AccountMail).Label);
        Assert.Equal("confidential", PolicyEvaluator.Evaluate(before, AccountMail).Label);
        Assert.False(provider.Reload());
    }

    [Fact]
    public void Reload_InvalidChange_KeepsLastGoodAndReportsErrorsUntilFixed()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules("confidential"));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 20, 0, 0, TimeSpan.Zero));
        var logger = new RecordingLogger<PolicyProvider>();
        using var provider = Create(dir, time, logger);
        var good = provider.Current;

        dir.Write("rules.yaml", Broken);
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.False(provider.Reload());
        Assert.Same(good, provider.Current);
        var status = provider.Status;
        Assert.True(status.LastChangeRejected);
        Assert.Equal(good.Version, status.Version);
        Assert.Equal(time.GetUtcNow(), status.RejectedAt);
        Assert.Equal("rules.yaml:3:23: undefined detector 'nope'; defined detectors: account, salary", Path.GetFileName(Assert.Single(status.LastErrors).ToString()));
        var rejected = Assert.Single(logger.Entries, e => e.Id.Name == "PolicyReloadRejected");
        Assert.Contains("undefined detector 'nope'", rejected.Message, StringComparison.Ordinal);

        dir.Write("rules.yaml", Rules("secret"));

        Assert.True(provider.Reload());
        Assert.False(provider.Status.LastChangeRejected);
        Assert.Equal("secret", PolicyEvaluator.Evaluate(provider.Current, AccountMail).Label);
    }

    [Fact]
    public void Reload_SameInvalidChangeSeenTwice_ReportedOnce()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules("confidential"));
        var logger = new RecordingLogger<PolicyProvider>();
        using var provider = Create(dir, TimeProvider.System, logger);
        dir.Write("rules.yaml", Broken);

        provider.Reload();
        provider.Reload();

        Assert.Single(logger.Entries, e => e.Id.Name == "PolicyReloadRejected");
    }

    [Fact]
    public void PeriodicCheck_WithoutWatcher_PicksUpChange()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules("confidential"));
        var time = new FakeTimeProvider();
        using var provider = Create(dir, time, new RecordingLogger<PolicyProvider>(), watch: false, poll: TimeSpan.FromSeconds(30));
        var before = provider.Current.Version;
        dir.Write("rules.yaml", Rules("secret"));

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(before, provider.Current.Version);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.NotEqual(before, provider.Current.Version);
        Assert.Equal("secret", PolicyEvaluator.Evaluate(provider.Current, AccountMail).Label);
    }

    [Fact]
    public async Task Watcher_FileEdited_SwapsAfterDebounce()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules("confidential"));
        using var provider = Create(dir, TimeProvider.System, new RecordingLogger<PolicyProvider>(), watch: true);
        var before = provider.Current.Version;

        dir.Write("rules.yaml", Rules("secret"));

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (provider.Current.Version == before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.NotEqual(before, provider.Current.Version);
        Assert.Equal("secret", PolicyEvaluator.Evaluate(provider.Current, AccountMail).Label);
    }

    [Fact]
    public async Task Evaluate_ConcurrentWithReloads_EachDecisionMatchesOnePolicy()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules("confidential"));
        using var provider = Create(dir, TimeProvider.System, new RecordingLogger<PolicyProvider>());
        var expected = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        expected[provider.Current.Version] = "confidential";
        using var stop = new CancellationTokenSource();
        var mismatches = 0;
        var evaluations = 0;

        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var policy = provider.Current;
                var decision = PolicyEvaluator.Evaluate(policy, AccountMail);
                if (decision.PolicyVersion != policy.Version
                    || (expected.TryGetValue(policy.Version, out var label) && label != decision.Label))
                {
                    Interlocked.Increment(ref mismatches);
                }

                Interlocked.Increment(ref evaluations);
            }
        })).ToArray();

        for (var i = 0; i < 20; i++)
        {
            var label = i % 2 == 0 ? "secret" : "confidential";
            dir.Write("rules.yaml", Rules(label) + $"\n# edit {i}\n");
            var previous = provider.Current;
            Assert.True(provider.Reload());
            expected[provider.Current.Version] = label;
            Assert.NotSame(previous, provider.Current);
            await Task.Delay(5);
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Equal(0, mismatches);
        Assert.True(evaluations > 20, $"only {evaluations} evaluations ran");
    }

    [Fact]
    public void AddSovereigntyPolicy_ValidDirectory_ResolvesProviderWithGatewayKeyClasses()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules("confidential"));
        var services = new ServiceCollection();
        services.AddSingleton<ILogger<PolicyProvider>>(new RecordingLogger<PolicyProvider>());
        services.AddSovereigntyPolicy(_ => TempPolicyDirectory.KeyClasses).Configure(o =>
        {
            o.Directory = dir.Path;
            o.Watch = false;
        });
        using var provider = services.BuildServiceProvider();

        var policy = provider.GetRequiredService<PolicyProvider>().Current;

        Assert.Equal("confidential-fr", policy.LabelsByName["confidential"].KeyClass);
    }

    [Fact]
    public void AddSovereigntyPolicy_KeyClassMissingFromGateway_FailsWithTheError()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules("confidential"));
        var services = new ServiceCollection();
        services.AddSingleton<ILogger<PolicyProvider>>(new RecordingLogger<PolicyProvider>());
        services.AddSovereigntyPolicy(_ => [new KeyClassInfo("standard-eu", "EU")]).Configure(o => o.Directory = dir.Path);
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<PolicyValidationException>(provider.GetRequiredService<PolicyProvider>);

        Assert.Contains("unknown key class 'confidential-fr'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OptionsValidator_MissingDirectory_Fails()
    {
        var result = new PolicyProviderOptionsValidator().Validate(null, new PolicyProviderOptions { Debounce = TimeSpan.FromMinutes(5) });

        Assert.True(result.Failed);
        Assert.Equal(2, result.Failures!.Count());
    }
}
