// Three test classes at a time (xUnit's default is one per core, two here): the interop tests spend most of their time
// waiting on timers, pings and real openvpn processes, so a third keeps the two cores busy; big suites are split by
// concern into classes of a few minutes at most, since one class runs its tests one after another.
[assembly: CollectionBehavior(MaxParallelThreads = 3)]
