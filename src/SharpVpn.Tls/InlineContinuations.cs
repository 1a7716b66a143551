namespace SharpVpn.Tls;

/// <summary>
/// Completes a task so that the continuations waiting on it (SslStream's async handshake and read code, awaited
/// with ConfigureAwait(false)) run inline on the calling thread. The runtime refuses to inline an await
/// continuation when the completing thread has a non-default SynchronizationContext (xunit's, a UI's) or runs
/// under a non-default TaskScheduler (Task's AwaitTaskContinuation.IsValidLocationForInlining); it then queues
/// SslStream's work to the thread pool while our caller blocks waiting for it. On a loaded 2-core machine that
/// work item waited for the pool to inject a thread: 0.6-1.3 s stalls in about 1 handshake of 50.
/// </summary>
internal static class InlineContinuations
{
    public static void Run<TState>(Action<TState> complete, TState state)
    {
        SynchronizationContext? context = SynchronizationContext.Current;
        if (context is not null)
        {
            SynchronizationContext.SetSynchronizationContext(null);
        }
        try
        {
            if (TaskScheduler.Current == TaskScheduler.Default)
            {
                complete(state);
            }
            else
            {
                // Inside a task of another scheduler: run as a default-scheduler task, executed right here.
                var task = new Task(() => complete(state));
                task.RunSynchronously(TaskScheduler.Default);
                task.GetAwaiter().GetResult();
            }
        }
        finally
        {
            if (context is not null)
            {
                SynchronizationContext.SetSynchronizationContext(context);
            }
        }
    }
}
