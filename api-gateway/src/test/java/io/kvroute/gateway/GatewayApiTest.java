package io.kvroute.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The gateway alone, with its router URL pointing at a closed port: everything that must work without a router
 * (health, models, tokenize, validation) and the router-unavailable answer.
 */
@Timeout(60)
class GatewayApiTest {

  private static TestGateway gw;

  @BeforeAll
  static void start() throws Exception {
    GatewayConfig config = GatewayConfig.forTest(List.of("http://127.0.0.1:" + TestGateway.deadPort()))
        .withLimits(200, 64 * 1024);
    gw = TestGateway.start(config);
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  private static JsonObject error(HttpResponse<String> r) {
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
    JsonObject e = new JsonObject(r.body()).getJsonObject("error");
    assertThat(e).isNotNull();
    assertThat(e.fieldNames()).containsExactlyInAnyOrder("message", "type", "param", "code");
    assertThat(e.getString("message")).isNotBlank();
    return e;
  }

  @Test
  void shouldServeHealthAndModelsWithoutARouter() throws Exception {
    assertThat(gw.get("/health").statusCode()).isEqualTo(200);
    HttpResponse<String> models = gw.get("/v1/models");
    assertThat(models.statusCode()).isEqualTo(200);
    JsonObject m = new JsonObject(models.body()).getJsonArray("data").getJsonObject(0);
    assertThat(m.getString("id")).isEqualTo(GatewayConfig.DEFAULT_MODEL);
    assertThat(m.getString("object")).isEqualTo("model");
    assertThat(m.getInteger("block_size")).isEqualTo(32);
    assertThat(m.getInteger("max_model_len")).isEqualTo(200);
    assertThat(gw.get("/ready").statusCode()).isEqualTo(503);
  }

  @Test
  void shouldReturnTheGoldenTokenIdsFromTokenize() throws Exception {
    JsonArray cases;
    try (InputStream in = GatewayApiTest.class.getResourceAsStream("/golden/qwen2_5_chat_template.json")) {
      cases = new JsonArray(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    assertThat(cases).isNotEmpty();
    for (Object o : cases) {
      JsonObject c = (JsonObject) o;
      JsonObject req = new JsonObject().put("model", GatewayConfig.DEFAULT_MODEL);
      if (c.containsKey("messages")) {
        req.put("messages", c.getJsonArray("messages")).put("add_generation_prompt", true);
        if (c.getValue("tools") != null) {
          req.put("tools", c.getJsonArray("tools"));
        }
      } else {
        req.put("prompt", c.getString("prompt"));
      }
      HttpResponse<String> r = gw.post("/tokenize", req.encode());
      assertThat(r.statusCode()).as(c.getString("name")).isEqualTo(200);
      JsonObject body = new JsonObject(r.body());
      assertThat(body.getJsonArray("tokens")).as(c.getString("name")).isEqualTo(c.getJsonArray("token_ids"));
      assertThat(body.getInteger("count")).isEqualTo(c.getJsonArray("token_ids").size());
      assertThat(body.getInteger("max_model_len")).isEqualTo(200);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "bad json|/v1/chat/completions|{\"messages\": [|400",
      "json array|/v1/chat/completions|[1,2]|400",
      "empty messages|/v1/chat/completions|{\"messages\":[]}|400",
      "messages wrong type|/v1/chat/completions|{\"messages\":{\"role\":\"user\"}}|400",
      "unknown role|/v1/chat/completions|{\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}|400",
      "n>1|/v1/chat/completions|{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":3}|400",
      "max_tokens string|/v1/chat/completions|{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":\"9\"}|400",
      "unknown model|/v1/chat/completions|{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|404",
      "prompt wrong type|/v1/completions|{\"prompt\":{\"a\":1}}|400",
      "prompt empty|/v1/completions|{\"prompt\":\"\"}|400",
      "tokenize no input|/tokenize|{}|400",
      "tokenize bad role|/tokenize|{\"messages\":[{\"role\":\"x\",\"content\":\"y\"}]}|400",
  })
  void shouldRejectMalformedRequestsWithOpenAiErrors(String name, String path, String body, int status)
      throws Exception {
    HttpResponse<String> r = gw.post(path, body);
    assertThat(r.statusCode()).isEqualTo(status);
    error(r);
  }

  @Test
  void shouldRejectPromptsLongerThanTheContext() throws Exception {
    String longText = "word ".repeat(400);
    HttpResponse<String> chat = gw.post("/v1/chat/completions",
        new JsonObject().put("messages", new JsonArray().add(new JsonObject().put("role", "user")
            .put("content", longText))).encode());
    assertThat(chat.statusCode()).isEqualTo(400);
    assertThat(error(chat).getString("code")).isEqualTo("context_length_exceeded");
    JsonArray ids = new JsonArray();
    for (int i = 0; i < 201; i++) {
      ids.add(100 + i);
    }
    HttpResponse<String> cmpl = gw.post("/v1/completions", new JsonObject().put("prompt", ids).encode());
    assertThat(cmpl.statusCode()).isEqualTo(400);
    assertThat(error(cmpl).getString("code")).isEqualTo("context_length_exceeded");
    HttpResponse<String> budget = gw.post("/v1/completions", new JsonObject().put("prompt", "hello")
        .put("max_tokens", 500).encode());
    assertThat(budget.statusCode()).isEqualTo(400);
    assertThat(error(budget).getString("code")).isEqualTo("context_length_exceeded");
  }

  @Test
  void shouldAnswer413ForHugeBodies() throws Exception {
    String huge = new JsonObject().put("prompt", "x".repeat(100 * 1024)).encode();
    HttpResponse<String> r = gw.post("/v1/completions", huge);
    assertThat(r.statusCode()).isEqualTo(413);
    error(r);
  }

  @Test
  void shouldAnswerUnknownRoutesAndMethodsInOpenAiShape() throws Exception {
    HttpResponse<String> notFound = gw.get("/v1/nothing");
    assertThat(notFound.statusCode()).isEqualTo(404);
    error(notFound);
    HttpResponse<String> wrongMethod = gw.get("/v1/chat/completions");
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    error(wrongMethod);
  }

  @Test
  void shouldAnswer503WithRetryAfterWhenNoRouterAnswers() throws Exception {
    HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + "\"stream\":true}");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("retry-after")).isPresent();
    assertThat(error(r).getString("message")).isEqualTo("Router service unavailable");
    assertThat(gw.get("/metrics").body()).contains("kvroute_gateway_requests_total")
        .contains("status=\"503\"").contains("kvroute_gateway_router_errors_total");
  }

  @Test
  void shouldRequireAnApiKeyWhenConfigured() throws Exception {
    GatewayConfig config = GatewayConfig.forTest(List.of("http://127.0.0.1:" + TestGateway.deadPort()))
        .withApiKeys(Set.of("sk-test"));
    try (TestGateway secured = TestGateway.start(config)) {
      HttpResponse<String> none = secured.get("/v1/models");
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(error(none).getString("code")).isEqualTo("invalid_api_key");
      assertThat(secured.get("/v1/models", "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
      assertThat(secured.post("/tokenize", "{\"prompt\":\"a\"}").statusCode()).isEqualTo(401);
      assertThat(secured.get("/v1/models", "Authorization", "Bearer sk-test").statusCode()).isEqualTo(200);
      assertThat(secured.get("/health").statusCode()).isEqualTo(200);
    }
  }
}
