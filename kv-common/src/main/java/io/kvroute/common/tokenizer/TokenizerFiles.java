package io.kvroute.common.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntConsumer;

/**
 * The files of one model's tokenizer, as HF lays them out: {@code tokenizer.json} (the fast tokenizer) and
 * {@code tokenizer_config.json} (special tokens, {@code chat_template}); a {@code chat_template.jinja} file next
 * to them wins over the config's template, as in transformers 4.43+.
 */
record TokenizerFiles(String name, byte[] tokenizerJson, JsonObject config, String chatTemplate, int vocabSize) {

  static final String BUNDLED_DIR = "kvroute/models/qwen2.5/";

  static TokenizerFiles bundled() {
    byte[] tokenizer = resource(BUNDLED_DIR + "tokenizer.json");
    JsonObject config = parseConfig(new String(resource(BUNDLED_DIR + "tokenizer_config.json"),
        StandardCharsets.UTF_8), "bundled tokenizer_config.json");
    return of("Qwen2.5", tokenizer, config, null);
  }

  static TokenizerFiles load(Path dir) {
    try {
      byte[] tokenizer = Files.readAllBytes(dir.resolve("tokenizer.json"));
      Path configFile = dir.resolve("tokenizer_config.json");
      JsonObject config = Files.exists(configFile)
          ? parseConfig(Files.readString(configFile), configFile.toString())
          : new JsonObject();
      Path jinja = dir.resolve("chat_template.jinja");
      String template = Files.exists(jinja) ? Files.readString(jinja) : null;
      Path fileName = dir.toAbsolutePath().normalize().getFileName();
      String name = config.getValue("name_or_path") instanceof String s && !s.isEmpty() ? s
          : fileName == null ? dir.toString() : fileName.toString();
      return of(name, tokenizer, config, template);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tokenizer files in " + dir + ": " + e.getMessage(), e);
    }
  }

  private static TokenizerFiles of(String name, byte[] tokenizer, JsonObject config, String templateFile) {
    String template = templateFile != null ? templateFile : configTemplate(config);
    return new TokenizerFiles(name, tokenizer, config, template, vocabSize(tokenizer));
  }

  /** The config's {@code chat_template}: a string, or a list of {name, template} where "default" is used. */
  private static String configTemplate(JsonObject config) {
    Object value = config.getValue("chat_template");
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof JsonArray list) {
      for (Object item : list) {
        if (item instanceof JsonObject named && "default".equals(named.getString("name"))) {
          return named.getString("template");
        }
      }
    }
    return null;
  }

  /** A special token of the config, given either as a string or as an AddedToken object {"content": ...}. */
  String specialToken(String key) {
    Object value = config.getValue(key);
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof JsonObject token && token.getValue("content") instanceof String s) {
      return s;
    }
    return null;
  }

  private static JsonObject parseConfig(String json, String what) {
    try {
      return new JsonObject(json);
    } catch (DecodeException e) {
      throw new IllegalArgumentException(what + " is not a JSON object: " + e.getMessage(), e);
    }
  }

  private static byte[] resource(String path) {
    try (InputStream in = TokenizerFiles.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("class-path resource " + path + " is missing (kv-common's build fetches it;"
            + " run the Maven build)");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read class-path resource " + path, e);
    }
  }

  /**
   * Calls {@code id} for every id of {@code model.vocab}, the parser standing just past the model's START_OBJECT
   * (left at its END_OBJECT): BPE/WordPiece vocabularies map pieces to ids, Unigram ones list {@code [piece, score]}
   * pairs whose id is their position.
   */
  static void forEachVocabId(JsonParser p, IntConsumer id) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      if ("vocab".equals(field) && v == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          p.nextToken();
          id.accept(p.getIntValue());
        }
      } else if ("vocab".equals(field) && v == JsonToken.START_ARRAY) {
        int position = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          p.skipChildren();
          id.accept(position++);
        }
      } else {
        p.skipChildren();
      }
    }
  }

  /** One top-level field of tokenizer.json, the parser on its value's first token: the visitor reads or skips it. */
  interface FieldVisitor {
    /** False stops the walk. */
    boolean visit(String field, JsonToken value, JsonParser p) throws IOException;
  }

  /**
   * Walks the top-level fields of {@code tokenizer.json} in order with a streaming parser, so that a large
   * vocabulary is never held as a tree. False when the file is not a JSON object or the visitor stopped.
   */
  static boolean forEachField(byte[] tokenizerJson, FieldVisitor visitor) throws IOException {
    try (JsonParser p = new JsonFactory().createParser(tokenizerJson)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        if (!visitor.visit(field, p.nextToken(), p)) {
          return false;
        }
      }
      return true;
    }
  }

  /** 1 + the largest id in {@code model.vocab} and {@code added_tokens}, read with a streaming parser. */
  static int vocabSize(byte[] tokenizerJson) {
    int[] max = {-1};
    boolean object;
    try {
      object = forEachField(tokenizerJson, (field, value, p) -> {
        if ("model".equals(field) && value == JsonToken.START_OBJECT) {
          forEachVocabId(p, id -> max[0] = Math.max(max[0], id));
        } else if ("added_tokens".equals(field) && value == JsonToken.START_ARRAY) {
          while (p.nextToken() == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String tokenField = p.currentName();
              p.nextToken();
              if ("id".equals(tokenField)) {
                max[0] = Math.max(max[0], p.getIntValue());
              } else {
                p.skipChildren();
              }
            }
          }
        } else {
          p.skipChildren();
        }
        return true;
      });
    } catch (IOException e) {
      throw new IllegalArgumentException("tokenizer.json is not valid JSON: " + e.getMessage(), e);
    }
    if (!object) {
      throw new IllegalArgumentException("tokenizer.json is not a JSON object");
    }
    if (max[0] < 0) {
      throw new IllegalArgumentException("tokenizer.json has no vocabulary");
    }
    return max[0] + 1;
  }
}
