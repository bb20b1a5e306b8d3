package io.kvroute.common.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.tree.Node;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A HuggingFace chat template rendered with jinjava the way {@code transformers} renders it with Jinja2:
 * {@code trim_blocks=True, lstrip_blocks=True}, loop controls, {@code keep_trailing_newline=False}, HF's
 * {@code raise_exception}, {@code strftime_now} and {@code tojson} (the differences bridged are listed in
 * package-info). Thread-safe: one shared engine (each render gets its own interpreter), immutable source.
 *
 * <p>Hot path: {@code Jinjava.renderForResult} re-parses the template and builds a fresh global context (every
 * built-in filter, tag and function registered again) on each call, which cost more than the rendering itself.
 * Each thread therefore keeps its own parsed tree and its own copy of the global context, and a render is a child
 * context of that copy (exactly the shape renderForResult builds) rendering the cached tree. Any render that
 * throws or reports a fatal error is redone the uncached way, so error messages are unchanged.
 *
 * <p>A template that prints message contents verbatim is rendered with short stand-ins for them
 * ({@link ContentSubstitution}); the first {@link #CHECKED_RENDERS} such renders, and one in
 * {@link #CHECK_EVERY} after them, are compared with a plain render, and a difference turns stand-ins off for good.
 */
final class ChatTemplate {

  private static final Logger LOG = LoggerFactory.getLogger(ChatTemplate.class);
  private static final Jinjava ENGINE = createEngine();
  static final int CHECKED_RENDERS = 32;
  static final int CHECK_EVERY = 1024;

  private final String source;
  private volatile boolean substituting;
  private final AtomicLong substitutedRenders = new AtomicLong();
  /** Per thread: the parsed template and a global-context copy (null tree: parsing reported errors). */
  private final ThreadLocal<Prepared> prepared = ThreadLocal.withInitial(this::prepare);

  private record Prepared(Context globals, Node tree) {
  }

  ChatTemplate(String template) {
    this(template, true);
  }

  /** {@code substitute} false: never stand-ins (tests compare against it). */
  ChatTemplate(String template, boolean substitute) {
    this.source = TemplateSource.toJinjava(template);
    this.substituting = substitute && ContentSubstitution.printsContentVerbatim(template);
  }

  /** Whether renders use content stand-ins (the template qualifies and no check has found a difference). */
  boolean substituting() {
    return substituting;
  }

  /** Renders with the given template variables ({@code messages}, {@code tools}, {@code add_generation_prompt}...). */
  String render(Map<String, Object> variables) throws ChatTemplateException {
    if (substituting) {
      String out = renderSubstituted(variables);
      if (out != null) {
        return out;
      }
    }
    return renderPlain(variables);
  }

  /** The render with content stand-ins, or null when it does not apply or failed (the plain render then decides). */
  private String renderSubstituted(Map<String, Object> variables) throws ChatTemplateException {
    Prepared p = prepared.get();
    if (p.tree() == null || !(variables.get("messages") instanceof List<?> messages)) {
      return null;
    }
    ContentSubstitution sub = ContentSubstitution.of(messages);
    if (sub == null) {
      return null;
    }
    Map<String, Object> withStandIns = new HashMap<>(variables);
    withStandIns.put("messages", sub.messages());
    String shell = renderCached(p, withStandIns);
    String out = shell == null ? null : sub.fill(shell);
    if (out == null) {
      return null;
    }
    long n = substitutedRenders.getAndIncrement();
    if (n < CHECKED_RENDERS || n % CHECK_EVERY == 0) {
      String plain = renderPlain(variables);
      if (!plain.equals(out)) {
        substituting = false;
        LOG.warn("event=chat_template_stand_ins_off after_renders={} note=\"a render with content stand-ins differed "
            + "from the plain render; every render is plain from now on\"", n + 1);
        return plain;
      }
    }
    return out;
  }

  private String renderPlain(Map<String, Object> variables) throws ChatTemplateException {
    Prepared p = prepared.get();
    if (p.tree() != null) {
      String out = renderCached(p, variables);
      if (out != null) {
        return out;
      }
    }
    return renderUncached(variables);
  }

  /** The cached tree rendered in a child of this thread's global-context copy; null when it failed in any way. */
  private static String renderCached(Prepared p, Map<String, Object> variables) {
    JinjavaConfig config = ENGINE.getGlobalConfig();
    Context context = new Context(p.globals(), variables, config.getDisabled());
    JinjavaInterpreter interpreter = config.getInterpreterFactory().newInstance(ENGINE, context, config);
    JinjavaInterpreter.pushCurrent(interpreter);
    try {
      String out = interpreter.render(p.tree(), true);
      for (TemplateError error : interpreter.getErrors()) {
        if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
          return null;
        }
      }
      return out;
    } catch (RuntimeException e) {
      return null;
    } finally {
      // what a render records on its context chain (resolved names, dependencies) must not pile up
      p.globals().reset();
      JinjavaInterpreter.popCurrent();
    }
  }

  private Prepared prepare() {
    Context globals = ENGINE.getGlobalContextCopy();
    JinjavaConfig config = ENGINE.getGlobalConfig();
    JinjavaInterpreter interpreter = config.getInterpreterFactory()
        .newInstance(ENGINE, new Context(globals, Map.of(), config.getDisabled()), config);
    JinjavaInterpreter.pushCurrent(interpreter);
    try {
      Node tree = interpreter.parse(source);
      return new Prepared(globals, interpreter.getErrors().isEmpty() ? tree : null);
    } catch (RuntimeException e) {
      return new Prepared(globals, null);
    } finally {
      globals.reset();
      JinjavaInterpreter.popCurrent();
    }
  }

  private String renderUncached(Map<String, Object> variables) throws ChatTemplateException {
    RenderResult result;
    try {
      result = ENGINE.renderForResult(source, variables);
    } catch (JinjaExtensions.TemplateRaisedException e) {
      throw new ChatTemplateException(e.getMessage());
    } catch (RuntimeException e) {
      throw new ChatTemplateException("chat template failed: " + e.getMessage());
    }
    for (TemplateError error : result.getErrors()) {
      if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new ChatTemplateException(describe(error));
      }
    }
    return result.getOutput();
  }

  private static String describe(TemplateError error) {
    Throwable cause = error.getException();
    while (cause != null) {
      if (cause instanceof JinjaExtensions.TemplateRaisedException raised) {
        return raised.getMessage();
      }
      cause = cause.getCause();
    }
    return "chat template failed at line " + error.getLineno() + ": " + error.getMessage();
  }

  /** Python str/dict methods first, then jinjava's own read-only resolver (maps, lists, beans). */
  private static ELResolver elResolver() {
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PyMethodResolver());
    resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
    return resolver;
  }

  private static Jinjava createEngine() {
    JinjavaConfig config = JinjavaConfig.newBuilder()
        // trim_blocks and lstrip_blocks are applied by TemplateSource (jinjava's lstrip differs from Jinja2's)
        .withTrimBlocks(false)
        .withLstripBlocks(false)
        // No maxOutputSize: jinjava enforces it by UTF-8-encoding every rendered node (a 600 KB prompt cost
        // ~10x its render time); the request body limit already bounds the output.
        // Never render template syntax found inside values: "{{ 7*7 }}" in a user message is text, not code
        // (jinjava's nested interpretation would execute it: a template-injection hole).
        .withNestedInterpretationEnabled(false)
        .withElResolver(elResolver())
        .withInterperterFactory(PyInterpreter.FACTORY)
        .withLegacyOverrides(LegacyOverrides.newBuilder()
            // {{- x }} / {{ x -}} strip whitespace like Jinja2 (jinjava's legacy default only trims tags)
            .withUseTrimmingForNotesAndExpressions(true)
            .withParseWhitespaceControlStrictly(true)
            // Jinja2 operator precedence ("not a == b" is "not (a == b)")
            .withUseNaturalOperatorPrecedence(true)
            .withKeepNullableLoopValues(true)
            .withEvaluateMapKeys(true)
            .build())
        .build();
    Jinjava jinjava = new Jinjava(config);
    jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
        JinjaExtensions.class, "raiseException", Object.class));
    jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
        JinjaExtensions.class, "strftimeNow", String.class));
    jinjava.getGlobalContext().registerFilter(new JinjaExtensions.ToJsonFilter());
    jinjava.getGlobalContext().registerTag(new JinjaExtensions.GenerationTag());
    return jinjava;
  }
}
