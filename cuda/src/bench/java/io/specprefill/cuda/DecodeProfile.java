package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.Batch;
import io.specprefill.udf.llama.LayerHook;
import io.specprefill.udf.llama.LlamaForward;
import io.specprefill.udf.llama.LlamaModel;
import jcuda.driver.JCudaDriver;

import java.util.Random;

/**
 * One decode step of the synthetic Llama-3.1-8B over a cache of N tokens, launched op by op between
 * cuProfilerStart and cuProfilerStop, for {@code ncu --profile-from-start off}: every kernel of a
 * step, once (the step before it warms everything up).
 * Run: ncu --profile-from-start off ... java -cp ... io.specprefill.cuda.DecodeProfile [N]
 */
public final class DecodeProfile {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 32768;
        try (CudaBackend b = CudaBackend.open(0)) {
            b.choice.graphs = false;
            LlamaModel m = SyntheticLlama.build(b, SyntheticLlama.config("llama-3.1-8b"), 2);
            try (LlamaForward f = new LlamaForward(m); Backend.KvCache cache = f.newCache(1, n + 4)) {
                int[] tok = new int[n];
                Random r = new Random(3);
                for (int i = 0; i < n; i++) tok[i] = r.nextInt(m.config.vocabSize());
                int next = f.prefill(cache, Batch.of(tok)).argmax(0);
                for (int s = 0; s < 3; s++) {
                    if (s == 2) JCudaDriver.cuProfilerStart();
                    next = f.decodeStep(cache, 1, new int[]{0}, new int[]{next}, new int[]{n + s}, new int[]{n + s},
                            LayerHook.NONE).argmax(0);
                    if (s == 2) JCudaDriver.cuProfilerStop();
                }
                System.out.println("DecodeProfile: profiled one decode step of llama-3.1-8b over " + n + " cached tokens");
            }
            m.close();
        }
    }
}
