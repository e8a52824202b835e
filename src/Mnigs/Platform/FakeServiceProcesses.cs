using System.Collections.Immutable;

namespace Mnigs.Platform;

/// <summary>Records what would run, for tests: nothing is started.</summary>
public sealed class FakeServiceProcesses : IServiceProcesses
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ServiceSpec> _running = new(StringComparer.Ordinal);
    private readonly List<ServiceSpec> _started = [];

    /// <summary>When set, the next <see cref="EnsureAsync"/> that would start a program throws it (once).</summary>
    public Exception? FailNextStart { get; set; }

    /// <summary>Every start, restarts included, in order.</summary>
    public ImmutableArray<ServiceSpec> Started
    {
        get
        {
            lock (_gate)
                return [.. _started];
        }
    }

    public ServiceSpec? Running(string name)
    {
        lock (_gate)
            return _running.GetValueOrDefault(name);
    }

    /// <summary>The program ends by itself (it crashed).</summary>
    public void Exit(string name)
    {
        lock (_gate)
            _running.Remove(name);
    }

    public Task EnsureAsync(ServiceSpec spec, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_running.TryGetValue(spec.Name, out var current) && current.SameAs(spec))
                return Task.CompletedTask;
            if (FailNextStart is { } error)
            {
                FailNextStart = null;
                _running.Remove(spec.Name);
                return Task.FromException(error);
            }
            _running[spec.Name] = spec;
            _started.Add(spec);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(string name, CancellationToken ct)
    {
        lock (_gate)
            _running.Remove(name);
        return Task.CompletedTask;
    }

    public bool IsRunning(string name)
    {
        lock (_gate)
            return _running.ContainsKey(name);
    }

    /// <summary>The programs sent SIGHUP by <see cref="Reload"/>, in order.</summary>
    public ImmutableArray<string> Reloaded
    {
        get
        {
            lock (_gate)
                return [.. _reloaded];
        }
    }

    private readonly List<string> _reloaded = [];

    public bool Reload(string name)
    {
        lock (_gate)
        {
            if (!_running.ContainsKey(name))
                return false;
            _reloaded.Add(name);
            return true;
        }
    }

    public Task CleanupAsync(CancellationToken ct)
    {
        lock (_gate)
            _running.Clear();
        return Task.CompletedTask;
    }
}
