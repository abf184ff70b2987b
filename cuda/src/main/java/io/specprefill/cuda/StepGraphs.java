package io.specprefill.cuda;

import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUresult;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.JCudaDriver;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link CudaBackend#replay}: a step (a decode step's ~10 launches per layer) captured once as a CUDA
 * graph and then replayed with one launch, which removes the launch gaps that otherwise dominate a
 * small step (gpt-fast compiles its decode step in CUDA-graph mode for the same reason).
 *
 * <p>Per key, the first call runs the step eagerly (it sizes every scratch buffer), the second
 * captures it (nothing runs while capturing) and launches the graph, later calls launch the graph.
 * A captured graph holds device addresses: any device memory freed since the capture (a run state
 * or scratch buffer re-made, a cache closed) makes the graph stale, and the key starts over. A step
 * that cannot be captured (an op that synchronizes, for instance) runs eagerly from then on, with a
 * warning in the log.
 */
final class StepGraphs implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.specprefill.cuda");
    private static final int MAX_GRAPHS = 16;

    private static final class Entry {
        final long frees;
        CUgraphExec exec;
        boolean uncapturable;

        Entry(long frees) {
            this.frees = frees;
        }
    }

    private final Launcher launcher;
    private final Map<Object, Entry> graphs = new LinkedHashMap<>(16, 0.75f, true);
    private final boolean syncCheck = Boolean.getBoolean("specprefill.cuda.syncCheck");
    private long captures, replays;

    StepGraphs(Launcher launcher) {
        this.launcher = launcher;
    }

    void run(Object key, Runnable step) {
        long frees = DeviceMemory.frees();
        Entry e = graphs.get(key);
        if (e == null || e.frees != frees) {
            if (e != null) destroy(e);
            graphs.put(key, new Entry(frees));
            evict();
            step.run();   // eager: sizes the scratch buffers the capture will use
            return;
        }
        if (e.uncapturable) {
            step.run();
            return;
        }
        if (e.exec == null) {
            e.exec = capture(step, key);
            if (e.exec == null) {
                e.uncapturable = true;
                step.run();
                return;
            }
        } else {
            replays++;
        }
        Cuda.check(JCudaDriver.cuGraphLaunch(e.exec, launcher.stream), launcher.device + ": cuGraphLaunch");
        if (syncCheck) launcher.synchronize("replayed step graph");
    }

    private CUgraphExec capture(Runnable step, Object key) {
        CUgraph graph = new CUgraph();
        Cuda.check(JCudaDriver.cuStreamBeginCapture(launcher.stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
                launcher.device + ": cuStreamBeginCapture");
        launcher.capturing = true;
        RuntimeException failure = null;
        try {
            step.run();
        } catch (RuntimeException ex) {
            failure = ex;
        } finally {
            launcher.capturing = false;
            int r = JCudaDriver.cuStreamEndCapture(launcher.stream, graph);
            if (r != CUresult.CUDA_SUCCESS && failure == null) {
                failure = new CudaException(launcher.device + ": cuStreamEndCapture failed: " + CUresult.stringFor(r));
            }
        }
        if (failure != null) {
            JCudaDriver.cuGraphDestroy(graph);
            LOG.log(System.Logger.Level.WARNING, launcher.device + ": step " + key + " cannot be captured as a CUDA graph;"
                    + " it runs launch by launch: " + failure.getMessage());
            return null;
        }
        CUgraphExec exec = new CUgraphExec();
        int r = JCudaDriver.cuGraphInstantiate(exec, graph, 0);
        JCudaDriver.cuGraphDestroy(graph);
        Cuda.check(r, launcher.device + ": cuGraphInstantiate");
        captures++;
        return exec;
    }

    private void evict() {
        Iterator<Map.Entry<Object, Entry>> it = graphs.entrySet().iterator();
        while (graphs.size() > MAX_GRAPHS && it.hasNext()) {
            destroy(it.next().getValue());
            it.remove();
        }
    }

    private static void destroy(Entry e) {
        if (e.exec != null) JCudaDriver.cuGraphExecDestroy(e.exec);
        e.exec = null;
    }

    /** Graphs captured and replays launched so far (tests, logs). */
    long captures() {
        return captures;
    }

    long replays() {
        return replays;
    }

    @Override
    public void close() {
        for (Entry e : graphs.values()) destroy(e);
        graphs.clear();
    }
}
