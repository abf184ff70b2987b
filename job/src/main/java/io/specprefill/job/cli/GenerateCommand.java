package io.specprefill.job.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.specprefill.job.config.Command;
import io.specprefill.job.config.Flags;
import io.specprefill.job.config.Flags.UsageException;
import io.specprefill.udf.Timer;
import io.specprefill.udf.generate.Generation;
import io.specprefill.udf.generate.GenerationParams;
import io.specprefill.udf.generate.Generator;
import io.specprefill.udf.generate.Request;
import io.specprefill.udf.generate.Sampler;
import io.specprefill.udf.generate.StopCondition;
import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.Backends;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.model.Model;
import io.specprefill.udf.model.WeightsDtype;
import io.specprefill.udf.tokenizer.ChatTemplate;
import io.specprefill.udf.tokenizer.Tokenizer;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code specprefill generate}: one prompt, one model, no Spark (llama2.c's run loop): load the
 * model and tokenizer, encode, prefill, decode, print. Greedy unless a temperature is given.
 * {@code --prompt-ids} are used exactly as given (no BOS added); {@code --prompt} text goes through
 * the tokenizer with its BOS post-processor (or the model's own chat template with {@code --chat}).
 */
public final class GenerateCommand {
    private GenerateCommand() {
    }

    static final String USAGE = String.join("\n",
            "usage: specprefill generate --model DIR (--prompt TEXT | --prompt-ids 1,2,3) [flags]",
            "  --model DIR            Hugging Face model directory (config.json, *.safetensors, tokenizer.json)",
            "  --prompt TEXT          prompt text, tokenized with BOS",
            "  --prompt-ids IDS       comma-separated token ids, used exactly (no BOS added)",
            "  --max-new-tokens N     generation limit, >= 1 (default 64)",
            "  --temperature T        0 = greedy (default 0)",
            "  --top-p P              nucleus mass in (0, 1] (default 1.0; with --temperature > 0)",
            "  --seed S               sampling seed (default 0)",
            "  --stop TEXT            stop once the output contains TEXT (repeatable)",
            "  --chat                 wrap --prompt in the model's own chat template (tokenizer_config.json;",
            "                         the built-in Llama 3 one where the model has no tokenizer_config.json)",
            "  --backend B            cpu, cuda or auto (cuda where a GPU is usable; default auto)",
            "  --device N             GPU ordinal for cuda (default 0)",
            "  --weights-dtype D      auto (as the checkpoint stores them; BF16 on the GPU) or fp8 (projections",
            "                         quantised at load, W8A8 GEMMs; an FP8 checkpoint is FP8 either way)",
            "  --json                 print one JSON object (ids, text, timings) instead of the text");

    /** The parsed flags; the compact constructor checks ranges and combinations. */
    record Options(Path model, String prompt, int[] promptIds, GenerationParams generation, boolean chat, boolean json,
                   String backend, int device, WeightsDtype weights) {
        Options {
            if (model == null) throw new UsageException("--model is required");
            if ((prompt == null) == (promptIds == null)) throw new UsageException("give exactly one of --prompt and --prompt-ids");
            if (chat && promptIds != null) throw new UsageException("--chat applies to --prompt text, not --prompt-ids");
            if (device < 0) throw new UsageException("--device " + device + " must be >= 0");
        }
    }

    /** Exit status 2 for bad usage, a bad model or a bad prompt, as in every command ({@link Command}). */
    static final Command<Options> COMMAND = new Command<>("generate", USAGE, GenerateCommand::parse,
            GenerateCommand::generate);

    private static void generate(Options o, PrintStream out, PrintStream err) throws Exception {
        Timer load = Timer.start();
        Model model = Model.load(o.model());
        Tokenizer tokenizer = Tokenizer.load(o.model());
        int[] prompt = o.promptIds() != null ? o.promptIds()
                : (o.chat() ? ChatTemplate.forModel(o.model()) : ChatTemplate.NONE).encode(tokenizer, o.prompt());
        int vocab = model.config().vocabSize();
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] >= vocab) {
                throw new IllegalArgumentException("prompt id " + prompt[i] + " (item " + i + ") is outside the vocabulary of "
                        + o.model() + " (vocab_size " + vocab + ")");
            }
        }
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty");
        Backends.Choice choice = Backends.choose(o.backend(), o.device());
        try (Backend backend = choice.create();
             LlamaModel llama = LlamaModel.upload(backend, model.config(), model.weights(), o.weights());
             Generator generator = new Generator(llama)) {
            double loadMs = load.ms();
            GenerationParams p = o.generation();
            StopCondition stop = StopCondition.onText(ids -> tokenizer.decode(ids, true), p.stopStrings());
            Sampler sampler = Sampler.of(p.temperature(), p.topP(), p.seed());
            Generation g = generator.generate(Request.full(prompt, p.maxNewTokens(), sampler, stop));
            String text = tokenizer.decode(g.ids(), true);
            if (o.json()) {
                out.println(json(prompt, g, text, backend.name()));
            } else {
                out.println(text);
            }
            err.printf("generate: %s on %s (%s), loaded in %.0f ms; %d prompt tokens, prefill %.1f ms (%.0f tok/s), "
                            + "ttft %.1f ms; %d new tokens, decode %.1f ms (%.1f tok/s); stop: %s%s%n",
                    o.model(), backend.name(), choice.why(), loadMs, prompt.length, g.prefillMs(), prompt.length / (g.prefillMs() / 1000),
                    g.ttftMs(), g.ids().length, g.decodeMs(), g.decodeTokensPerSecond(), g.reason(),
                    o.weights() == WeightsDtype.AUTO ? "" : "; weights " + o.weights().key());
        }
    }

    private static String json(int[] prompt, Generation g, String text, String backend) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode n = mapper.createObjectNode();
        com.fasterxml.jackson.databind.node.ArrayNode ids = n.putArray("ids");
        for (int id : g.ids()) ids.add(id);
        n.put("text", text);
        n.put("prompt_tokens", prompt.length);
        n.put("new_tokens", g.ids().length);
        n.put("stop_reason", g.reason().name());
        n.put("backend", backend);
        n.put("prefill_ms", g.prefillMs());
        n.put("ttft_ms", g.ttftMs());
        n.put("decode_ms", g.decodeMs());
        n.put("decode_tokens_per_s", g.decodeTokensPerSecond());
        return mapper.writeValueAsString(n);
    }

    static Options parse(String[] args) {
        Path model = null;
        String prompt = null;
        int[] ids = null;
        int maxNew = 64;
        double temperature = 0, topP = 1;
        long seed = 0;
        List<String> stops = new ArrayList<>();
        boolean chat = false, json = false;
        String backend = Backends.AUTO;
        int device = 0;
        WeightsDtype weights = WeightsDtype.AUTO;
        Flags f = new Flags(args);
        while (f.next()) {
            switch (f.flag()) {
                case "--chat" -> chat = true;
                case "--json" -> json = true;
                case "--model" -> model = f.path();
                case "--prompt" -> prompt = f.value();
                case "--prompt-ids" -> ids = parseIds(f.value());
                case "--max-new-tokens" -> maxNew = f.intValue();
                case "--temperature" -> temperature = f.doubleValue();
                case "--top-p" -> topP = f.doubleValue();
                case "--seed" -> seed = f.longValue();
                case "--stop" -> stops.add(f.value());
                case "--backend" -> backend = f.value();
                case "--device" -> device = f.intValue();
                case "--weights-dtype" -> weights = weightsDtype(f.value());
                default -> throw f.unknown();
            }
        }
        GenerationParams generation;
        try {
            generation = new GenerationParams(maxNew, temperature, topP, seed, stops);
        } catch (IllegalArgumentException e) {
            throw asFlag(e);
        }
        return new Options(model, prompt, ids, generation, chat, json, backend, device, weights);
    }

    private static WeightsDtype weightsDtype(String v) {
        try {
            return WeightsDtype.parse(v, "--weights-dtype");
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage().replace("--weights-dtype=", "--weights-dtype "));
        }
    }

    /** GenerationParams checks the values and names the YAML key ("top_p=0.0 must be ..."); say the flag. */
    private static UsageException asFlag(IllegalArgumentException e) {
        String m = e.getMessage();
        int eq = m.indexOf('=');
        String key = m.substring(0, eq);
        return new UsageException((key.equals("stop_strings") ? "--stop" : "--" + key.replace('_', '-')) + " "
                + m.substring(eq + 1));
    }

    private static int[] parseIds(String v) {
        String[] parts = v.split(",");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new UsageException("--prompt-ids: '" + parts[i] + "' (item " + i + ") is not an integer");
            }
            if (ids[i] < 0) throw new UsageException("--prompt-ids: id " + ids[i] + " (item " + i + ") is negative");
        }
        return ids;
    }
}
