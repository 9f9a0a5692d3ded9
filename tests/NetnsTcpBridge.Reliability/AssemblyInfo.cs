// One scenario at a time: they measure CPU time, memory and descriptors of the bridge, and some
// hold ten thousand sockets; running them side by side would blur every figure.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
