// Package enforcement applies Conditional Access to sign-ins and step-ups:
// Requirements implements signin.Requirements over the tenant's compiled
// policies (capolicy.Snapshot). For each attempt it builds policy.SignIn
// (the user's transitive groups and active roles from the attempt, the
// device platform from the User-Agent, the client app type from the
// target, the country of the client address from the GeoIP database; the
// device is unknown and risk none until sources for them exist), evaluates
// it, and turns the decision into what the sign-in service and its pages
// need: blocked with the policy's name, or satisfied, or what to prove
// next, restricted to the methods the user has registered, with the
// strengths' names, each policy's result for the sign-in log, and the
// sign-in frequency.
package enforcement
