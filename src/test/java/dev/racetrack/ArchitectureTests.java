package dev.racetrack;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaConstructorCall;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.name;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.nameMatching;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.core.domain.properties.HasParameterTypes.Predicates.rawParameterTypes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The boundaries of {@code src/docs/ARCHITECTURE.md}, as rules that fail the build: the
 * model packages stay free of frameworks, of wall clocks, of unseeded randomness and of
 * threads, and no package cycle creeps in.
 */
@AnalyzeClasses(packages = "dev.racetrack", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTests {

	/** Packages that must be plain, deterministic Java. */
	static final String[] MODEL = { "dev.racetrack.kernel..", "dev.racetrack.sim..", "dev.racetrack.scenario..",
			"dev.racetrack.experiment..", "dev.racetrack.diagnose..", "dev.racetrack.export.." };

	@ArchTest
	static final ArchRule modelDoesNotUseFrameworks = noClasses().that()
		.resideInAnyPackage(MODEL)
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage("org.springframework..", "reactor..", "com.fasterxml.jackson..", "tools.jackson..")
		.because("the model must run, and be tested, without Spring, Reactor or Jackson (src/docs/ARCHITECTURE.md)");

	@ArchTest
	static final ArchRule modelDoesNotReadTheWallClock = noClasses().that()
		.resideInAnyPackage(MODEL)
		.should()
		.callMethod(System.class, "currentTimeMillis")
		.orShould()
		.callMethod(System.class, "nanoTime")
		.orShould()
		.callMethodWhere(target(name("now")).and(target(owner(wallClockTypes()))))
		.orShould()
		.dependOnClassesThat()
		.areAssignableTo(Clock.class)
		.because("sim time is a long of nanoseconds; the same seed must give the same trace");

	@ArchTest
	static final ArchRule modelDoesNotUseUnseededRandomness = noClasses().that()
		.resideInAnyPackage(MODEL)
		.should()
		.callMethod(Math.class, "random")
		.orShould()
		.callMethod(StrictMath.class, "random")
		.orShould()
		.dependOnClassesThat()
		.areAssignableTo(ThreadLocalRandom.class)
		.orShould()
		.callConstructorWhere(unseededRandom())
		.orShould()
		.dependOnClassesThat()
		.haveFullyQualifiedName("java.security.SecureRandom")
		.orShould()
		.callMethod(java.util.UUID.class, "randomUUID")
		.because("all randomness comes from the run's root seed");

	@ArchTest
	static final ArchRule modelDoesNotUseThreads = noClasses().that()
		.resideInAnyPackage(MODEL)
		.should()
		.dependOnClassesThat()
		.areAssignableTo(Thread.class)
		.orShould()
		.dependOnClassesThat()
		.resideInAPackage("java.util.concurrent..")
		.orShould()
		.callMethodWhere(target(nameMatching("parallel|parallelStream")))
		.because("an interleaving must come from the seeded scheduler, not from thread timing; experiments hand "
				+ "their independent trials to the caller, which may run them on any number of threads");

	@ArchTest
	static final ArchRule noPackageCycles = slices().matching("dev.racetrack.(*)..")
		.should()
		.beFreeOfCycles()
		.because("each layer builds on the one below it");

	@ArchTest
	static final ArchRule onlyWebSeesTheWeb = noClasses().that()
		.resideOutsideOfPackage("dev.racetrack.web..")
		.and()
		.resideOutsideOfPackage("dev.racetrack")
		.should()
		.dependOnClassesThat()
		.resideInAPackage("dev.racetrack.web..")
		.because("web is the only adapter; nothing below may depend on it");

	/** The web layer's features, each a package under {@code dev.racetrack.web}. */
	static final String SHARED = "dev.racetrack.web.shared..";

	static final String LAB = "dev.racetrack.web.lab..";

	static final String SESSION = "dev.racetrack.web.session..";

	static final String EXPERIMENT = "dev.racetrack.web.experiment..";

	static final String DIAGNOSE = "dev.racetrack.web.diagnose..";

	static final String EXPORT = "dev.racetrack.web.export..";

	@ArchTest
	static final ArchRule webClassesLiveInAFeature = classes().that()
		.resideInAPackage("dev.racetrack.web..")
		.and()
		.doNotHaveSimpleName("package-info")
		.should()
		.resideInAnyPackage(SHARED, LAB, SESSION, EXPERIMENT, DIAGNOSE, EXPORT)
		.because("a newcomer finds a page, a knob or an endpoint by the feature it belongs to "
				+ "(lab, session, experiment, diagnose, export), and what they share in web.shared");

	@ArchTest
	static final ArchRule sharedKnowsNoFeature = noClasses().that()
		.resideInAPackage(SHARED)
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage(LAB, SESSION, EXPERIMENT, DIAGNOSE, EXPORT)
		.because("every feature builds on web.shared (run parameters, problem details, admission, headers, "
				+ "metrics); if it knew a feature, that feature could no longer change or go alone");

	@ArchTest
	static final ArchRule labUsesOnlyShared = noClasses().that()
		.resideInAPackage(LAB)
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage(SESSION, EXPERIMENT, DIAGNOSE, EXPORT)
		.because("the Lab (its page, its run view and /api/simulate) is what the classroom, the experiments "
				+ "and the exports show or link to; it must not depend on them");

	@ArchTest
	static final ArchRule nothingDependsOnSessions = noClasses().that()
		.resideOutsideOfPackage(SESSION)
		.should()
		.dependOnClassesThat()
		.resideInAPackage(SESSION)
		.because("sessions and followers hold live state (and may live in Redis): they use the Lab's views, "
				+ "and no other feature may reach into them");

	@ArchTest
	static final ArchRule nothingDependsOnExperiments = noClasses().that()
		.resideOutsideOfPackage(EXPERIMENT)
		.should()
		.dependOnClassesThat()
		.resideInAPackage(EXPERIMENT)
		.because("the experiments page and API are a leaf: a Monte Carlo links to the Lab, never the reverse");

	@ArchTest
	static final ArchRule diagnoseStandsAlone = noClasses().that()
		.resideInAPackage(DIAGNOSE)
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage(LAB, SESSION, EXPERIMENT, EXPORT)
		.because("on-call diagnosis reads what a node printed; it links to a replay by its parameters and "
				+ "needs no page, run view or session of the Lab");

	@ArchTest
	static final ArchRule nothingDependsOnDiagnoseOrExport = noClasses().that()
		.resideOutsideOfPackages(DIAGNOSE, EXPORT)
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage(DIAGNOSE, EXPORT)
		.because("diagnose and the exports are leaves: the Lab offers their links, it never calls them");

	@ArchTest
	static final ArchRule webFeaturesAreFreeOfCycles = slices().matching("dev.racetrack.web.(*)..")
		.should()
		.beFreeOfCycles()
		.because("the features form a tree on web.shared: lab below session, experiment and export");

	private static DescribedPredicate<JavaCall<?>> unseededRandom() {
		return DescribedPredicate.describe("new Random() or new SplittableRandom() without a seed",
				(call) -> call instanceof JavaConstructorCall
						&& (call.getTarget().getOwner().isAssignableTo(Random.class)
								|| call.getTarget().getOwner().isAssignableTo(java.util.SplittableRandom.class))
						&& rawParameterTypes(new Class<?>[0]).test(((JavaConstructorCall) call).getTarget()));
	}

	private static DescribedPredicate<com.tngtech.archunit.core.domain.JavaClass> wallClockTypes() {
		return DescribedPredicate.describe("a java.time type",
				(c) -> c.isEquivalentTo(Instant.class) || c.isEquivalentTo(LocalDateTime.class)
						|| c.isEquivalentTo(LocalDate.class) || c.isEquivalentTo(LocalTime.class)
						|| c.isEquivalentTo(ZonedDateTime.class) || c.isEquivalentTo(OffsetDateTime.class));
	}

}
