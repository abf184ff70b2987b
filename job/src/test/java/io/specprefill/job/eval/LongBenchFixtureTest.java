package io.specprefill.job.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.job.eval.LongBenchDatasets.Dataset;
import io.specprefill.job.eval.LongBenchScorer.Prediction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The official LongBench scores of a real model's predictions (result.json of
 * viridisGreen/LongBench pred/llama3-8b-instruct) must come out exactly, all 21 datasets,
 * the three that need Chinese segmentation included (see JiebaCut: on this fixture's 2,177
 * Chinese texts it segments exactly as Python jieba 0.42.1; jieba-analysis's own
 * JiebaSegmenter would differ on 656 texts and give multifieldqa_zh 61.93, dureader 34.61,
 * vcsum 17.23 instead of 61.89, 34.41, 17.24).
 */
class LongBenchFixtureTest {
    private static final String FIXTURE = "longbench/metric_fixture_llama3-8b-instruct";

    @Test
    void reproducesOfficialResultJsonForAll21Datasets() throws Exception {
        Optional<Path> dir = SharedData.resolve(FIXTURE);
        assumeTrue(dir.isPresent(), SharedData.missing(FIXTURE));
        JsonNode expected = new ObjectMapper().readTree(dir.get().resolve("result.json").toFile());
        Map<String, List<Prediction>> rows = LongBenchPredictionFiles.read(dir.get(), w -> {
            throw new AssertionError(w);
        });
        LongBenchScorer scorer = new LongBenchScorer(JiebaCut::load);
        List<String> wrong = new ArrayList<>();
        for (Dataset d : LongBenchDatasets.all()) {
            double want = expected.get(d.name()).asDouble();
            double got = scorer.score(d, rows.get(d.name()));
            if (got != want) {
                wrong.add(d.name() + ": official " + want + ", ours " + got);
            }
        }
        assertEquals(List.of(), wrong);
    }
}
